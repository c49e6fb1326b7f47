//! Where commands connect: `--server`/`--token`, else `ENROLLD_URL`/`ENROLLD_TOKEN`, else the profile
//! `Connect-Enrolld` saved (`$XDG_CONFIG_HOME/enrollctl/profile.json`, mode 0600), else the server's
//! default address with no token.

use std::path::PathBuf;

use serde_json::{Value, json};

pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

#[derive(Clone, Debug, PartialEq)]
pub struct Connection {
    pub server: String,
    pub token: Option<String>,
}

/// The profile file.
pub fn path() -> Option<PathBuf> {
    let var = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let dir = var("XDG_CONFIG_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".config")))
        .or_else(|| var("APPDATA"))?;
    Some(dir.join("enrollctl").join("profile.json"))
}

fn saved() -> Value {
    path()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null)
}

pub fn resolve(server: Option<&String>, token: Option<&String>) -> Connection {
    let env = |name| std::env::var(name).ok().filter(|v| !v.is_empty());
    let saved = saved();
    let from_profile = |key: &str| saved[key].as_str().map(str::to_owned);
    let named = server.cloned().or_else(|| env("ENROLLD_URL"));
    let profile_server = from_profile("server");
    // The profile's token goes only to the profile's server, never to another one named here.
    let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
    let profile_token = match (&named, &profile_server) {
        (Some(named), Some(saved)) if !same(named, saved) => None,
        _ => from_profile("token"),
    };
    Connection {
        server: named
            .or(profile_server)
            .unwrap_or_else(|| DEFAULT_SERVER.to_owned()),
        token: token
            .cloned()
            .or_else(|| env("ENROLLD_TOKEN"))
            .or(profile_token),
    }
}

/// Saves the profile, readable by its owner only.
pub fn save(connection: &Connection) -> std::io::Result<PathBuf> {
    let path =
        path().ok_or_else(|| std::io::Error::other("no HOME or XDG_CONFIG_HOME to keep it in"))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = json!({ "server": connection.server, "token": connection.token }).to_string();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        // An older file keeps its mode on open: make it private before writing the token into it.
        if path.exists() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    std::io::Write::write_all(&mut options.open(&path)?, text.as_bytes())?;
    Ok(path)
}

pub fn forget() -> std::io::Result<Option<PathBuf>> {
    match path() {
        Some(path) if path.exists() => std::fs::remove_file(&path).map(|()| Some(path)),
        _ => Ok(None),
    }
}
