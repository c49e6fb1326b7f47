//! The command line: `serve`, `token issue`, `openapi`, `migrate`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::auth::jwt;
use crate::auth::scopes::{Role, Scope};
use crate::clock::Clock;
use crate::config::{Config, read_secret};

/// Enrolld: the operator API for identity enrollment.
#[derive(Debug, Parser)]
#[command(name = "enrolld", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the API server.
    Serve {
        #[command(flatten)]
        common: Common,
        /// Address to bind (overrides ENROLLD_LISTEN).
        #[arg(long)]
        listen: Option<String>,
        /// First-run mode: create and keep a local signing key, print an administrator token.
        #[arg(long)]
        dev: bool,
    },
    /// Work with operator tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Work with server keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Print the OpenAPI document (exactly openapi/openapi.json).
    Openapi,
    /// Create or upgrade the database schema and exit.
    Migrate {
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Print a new random server key (base64, 32 bytes) for ENROLLD_SECRET_KEY. To rotate, make the
    /// new key current and list the old one in ENROLLD_SECRET_KEY_PREVIOUS on every replica.
    Generate,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Mint an operator token with the configured HS256 secret (or the --dev key).
    Issue {
        #[command(flatten)]
        common: Common,
        /// The operator id (`sub`).
        #[arg(long)]
        sub: String,
        /// The operator's display name.
        #[arg(long)]
        name: Option<String>,
        /// Scopes to grant (repeat, or separate with commas).
        #[arg(
            long = "scope",
            value_delimiter = ',',
            required_unless_present = "role",
            conflicts_with = "role"
        )]
        scopes: Vec<String>,
        /// A named bundle of scopes.
        #[arg(long, value_enum)]
        role: Option<Role>,
        /// Lifetime, e.g. 30m, 1h, 7d.
        #[arg(long, default_value = "1h")]
        ttl: String,
    },
}

#[derive(Debug, Args)]
struct Common {
    /// TOML configuration file (environment variables override it).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Database URL (overrides ENROLLD_DATABASE_URL).
    #[arg(long)]
    database: Option<String>,
}

impl Common {
    fn load(&self) -> Result<Config, String> {
        let mut config = Config::load(self.config.as_deref(), std::env::vars())?;
        if let Some(database) = &self.database {
            config.database_url = database.clone();
        }
        Ok(config)
    }
}

/// Runs the command line; the exit code says whether it worked.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("enrolld: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Openapi => {
            print!("{}", crate::api::openapi::document_text());
            Ok(())
        }
        Command::Key {
            command: KeyCommand::Generate,
        } => {
            println!("{}", crate::crypto::generate_key()?);
            Ok(())
        }
        Command::Migrate { common } => {
            let config = common.load()?;
            config.validate()?;
            crate::db::connect(&crate::server::database(&config)?)?;
            println!(
                "enrolld: the database at {} is up to date",
                crate::db::redact_url(&config.database_url)
            );
            Ok(())
        }
        Command::Token {
            command:
                TokenCommand::Issue {
                    common,
                    sub,
                    name,
                    scopes,
                    role,
                    ttl,
                },
        } => {
            let config = common.load()?;
            let scopes = match role {
                Some(role) => role.scopes(),
                None => scopes
                    .iter()
                    .map(|s| s.trim().parse::<Scope>())
                    .collect::<Result<Vec<_>, _>>()?,
            };
            println!(
                "{}",
                issue_token(&config, &sub, name.as_deref(), &scopes, &ttl)?
            );
            Ok(())
        }
        Command::Serve {
            common,
            listen,
            dev,
        } => {
            let mut config = common.load()?;
            if let Some(listen) = listen {
                config.listen = listen;
            }
            init_logging(&config);
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the async runtime: {e}"))?;
            runtime.block_on(serve(config, dev))
        }
    }
}

/// Mints a token with the configured secret (or the `--dev` key), within the lifetime limit.
fn issue_token(
    config: &Config,
    sub: &str,
    name: Option<&str>,
    scopes: &[Scope],
    ttl: &str,
) -> Result<String, String> {
    let ttl = jwt::parse_ttl(ttl).map_err(|e| format!("--ttl: {e}"))?;
    let most = config.jwt_max_lifetime_seconds()?;
    if ttl > most {
        return Err(format!(
            "--ttl: at most {} (jwt_max_lifetime, ENROLLD_JWT_MAX_LIFETIME)",
            config.jwt_max_lifetime
        ));
    }
    let secret = match read_secret("jwt_secret", &config.jwt_secret, &config.jwt_secret_file)? {
        Some(secret) => secret.into_bytes(),
        None => crate::server::dev_secret(config, false)?.ok_or(
            "token issue needs ENROLLD_JWT_SECRET (or _FILE), or the key that `enrolld serve --dev` keeps next to the database",
        )?,
    };
    jwt::mint(
        &secret,
        &config.jwt_issuer,
        &config.jwt_audience,
        sub,
        name,
        scopes,
        ttl,
    )
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ENROLLD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// `serve --dev`'s directories next to the database, unless configured: the outbox files (for channels
/// without a server) and the files identity sources may name (made here, so it is there to use).
fn dev_directories(config: &mut Config) -> Result<(), String> {
    let state_dir = crate::server::database(config)?.state_dir();
    if config.outbox_dir.is_none()
        && (config.smtp_url.is_none() || config.sms_gateway_url.is_none())
    {
        config.outbox_dir = Some(state_dir.join("enrolld-outbox"));
    }
    if config.source_files_dir.is_none() {
        let sources = state_dir.join("enrolld-sources");
        std::fs::create_dir_all(&sources).map_err(|e| format!("{}: {e}", sources.display()))?;
        config.source_files_dir = Some(sources);
    }
    Ok(())
}

async fn serve(mut config: Config, dev: bool) -> Result<(), String> {
    if dev {
        dev_directories(&mut config)?;
    }
    let outbox_dir = config.outbox_dir.clone();
    let sources_dir = config.source_files_dir.clone();
    let dev_secret = if dev {
        crate::server::dev_secret(&config, true)?
    } else {
        None
    };
    let configured_secret = read_secret("jwt_secret", &config.jwt_secret, &config.jwt_secret_file)?;
    let issuer = config.jwt_issuer.clone();
    let audience = config.jwt_audience.clone();
    let running = crate::server::start(config, Clock::system(), dev_secret.clone()).await?;
    tracing::info!(listen = %running.addr, "enrolld is serving");
    if dev {
        let secret = configured_secret.map(String::into_bytes).or(dev_secret);
        let base = &running.state.public_url;
        println!("enrolld --dev: serving on {base}");
        println!("Swagger UI:     {base}/swagger-ui/");
        if let Some(dir) = &outbox_dir {
            println!(
                "Emails and SMS without a server are written to {}/",
                dir.display()
            );
        }
        if let Some(secret) = secret {
            let scopes = Role::Administrator.scopes();
            let token = jwt::mint(
                &secret,
                &issuer,
                &audience,
                "dev-admin",
                Some("Dev Administrator"),
                &scopes,
                12 * 3600,
            )?;
            println!("Administrator token (12 h; paste it into Swagger UI's Authorize):\n{token}");
        } else {
            println!("(tokens come from the configured identity provider)");
        }
        if let Some(dir) = &sources_dir {
            println!(
                "Files for identity sources (secrets, CSV, CA) go in {}/",
                dir.display()
            );
        }
    }
    running
        .server
        .await
        .map_err(|e| format!("server failed: {e}"))?;
    let state = &running.state;
    let now = state.clock.now();
    if let Err(error) = crate::service::refusals::flush(
        &state.db,
        &state.refusals,
        now,
        crate::service::refusals::Flush::All,
    )
    .await
    {
        tracing::warn!(%error, "could not audit the refused requests of the last minute");
    }
    tracing::info!("enrolld stopped");
    Ok(())
}
