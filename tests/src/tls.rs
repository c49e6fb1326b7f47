//! TLS for tests: a private CA and a `localhost` server certificate made by OpenSSL's command line,
//! and a rustls front that forwards each connection to a plain server.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};

/// A CA and one server certificate for `localhost` and `127.0.0.1`, as PEM files.
pub struct TestCa {
    pub ca_file: PathBuf,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

impl TestCa {
    /// Makes the CA and the server certificate in `dir` with `openssl`.
    pub fn new(dir: &Path) -> Self {
        let ca = Self {
            ca_file: dir.join("ca.pem"),
            cert_file: dir.join("server.pem"),
            key_file: dir.join("server.key"),
        };
        let ext = dir.join("server.ext");
        std::fs::write(
            &ext,
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
             extendedKeyUsage=serverAuth\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ];
        let path = |p: &Path| p.display().to_string();
        let (ca_key, csr) = (path(&dir.join("ca.key")), path(&dir.join("server.csr")));
        let (ca_pem, cert, key) = (path(&ca.ca_file), path(&ca.cert_file), path(&ca.key_file));
        let ca_out = [
            "-keyout",
            &ca_key,
            "-out",
            &ca_pem,
            "-days",
            "2",
            "-subj",
            "/CN=Test CA",
        ];
        openssl(&[&["req", "-x509"][..], &ec, &ca_out].concat());
        let csr_out = ["-keyout", &key, "-out", &csr, "-subj", "/CN=localhost"];
        openssl(&[&["req"][..], &ec, &csr_out].concat());
        openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca_pem,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-out",
            &cert,
            "-days",
            "1",
            "-extfile",
            &path(&ext),
        ]);
        ca
    }
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("openssl (Debian package openssl): {e}"));
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An `https://localhost:PORT` address whose connections, once TLS is done with `ca`'s server
/// certificate, are carried to the plain server at `upstream` (`host:port`).
pub async fn tls_front(ca: &TestCa, upstream: String) -> String {
    enrolld::outbound::install_tls_provider();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&ca.cert_file)
        .and_then(|c| c.collect())
        .unwrap_or_else(|e| panic!("{e}"));
    let key = PrivateKeyDer::from_pem_file(&ca.key_file).unwrap_or_else(|e| panic!("{e}"));
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap_or_else(|e| panic!("{e}"));
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (acceptor, upstream) = (acceptor.clone(), upstream.clone());
            tokio::spawn(async move {
                let (Ok(mut client), Ok(mut server)) = (
                    acceptor.accept(client).await,
                    TcpStream::connect(&upstream).await,
                ) else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    format!("https://localhost:{port}")
}
