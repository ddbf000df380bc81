//! `countersign-server`: run the reference push-MFA server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use countersign_otp::SystemClock;
use countersign_server::delivery::{ApnsConfig, DeliveryConfig, FcmConfig, apns, fcm};
use countersign_server::sealing::KeySource;
use countersign_server::{Cidr, Config, TrustedProxies};

#[derive(Debug, Parser)]
#[command(
    name = "countersign-server",
    version,
    about = "Countersign reference push-MFA server"
)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8470", env = "COUNTERSIGN_LISTEN")]
    listen: SocketAddr,
    /// Directory for the database (and the key, unless --key-file).
    #[arg(long, default_value = "./countersign-data", env = "COUNTERSIGN_DATA")]
    data: PathBuf,
    /// Keep everything in PostgreSQL instead of <data>/server.sqlite, e.g.
    /// postgres://countersign@db.internal/countersign: needed to run more than
    /// one instance (docs/server.md, "Running more than one instance").
    #[arg(long, env = "COUNTERSIGN_DATABASE")]
    database: Option<String>,
    /// PostgreSQL connections this instance keeps at most (default 16; the
    /// database's max_connections must cover every instance's, plus one each).
    #[arg(long, env = "COUNTERSIGN_DATABASE_POOL_SIZE", value_parser = clap::value_parser!(u16).range(1..=1000))]
    database_pool_size: Option<u16>,
    /// The key TOTP secrets and the server's own secrets are sealed with (64
    /// hex characters; made on first run). Default: <data>/sealing.key. Every
    /// instance on one database must be given the same key.
    #[arg(
        long,
        env = "COUNTERSIGN_SEALING_KEY_FILE",
        conflicts_with = "sealing_key"
    )]
    sealing_key_file: Option<PathBuf>,
    /// The sealing key itself, from the environment only (a secret manager's
    /// variable), instead of a file.
    #[arg(
        long,
        env = "COUNTERSIGN_SEALING_KEY",
        hide = true,
        hide_env_values = true
    )]
    sealing_key: Option<String>,
    /// Re-seal every stored secret under the key in this file (made if it does
    /// not exist), then exit; start every instance with it afterwards
    /// (docs/server.md, "Rotating the sealing key").
    #[arg(long)]
    reseal_to: Option<PathBuf>,
    /// A PEM bundle of Android key attestation roots to trust instead of
    /// Google's two current roots (shipped with the server).
    #[arg(long, env = "COUNTERSIGN_ATTESTATION_ROOTS")]
    attestation_roots: Option<PathBuf>,
    /// The Android app's package name attestations must name (for a rebuilt
    /// app; default dev.countersign.app).
    #[arg(long, env = "COUNTERSIGN_ANDROID_PACKAGE")]
    android_package: Option<String>,
    /// SHA-256 of the Android app's signing certificate (64 hex characters;
    /// with Play App Signing, Play's app-signing certificate); repeat for
    /// several. Without it any signing certificate is accepted.
    #[arg(long, env = "COUNTERSIGN_ANDROID_SIGNING_DIGEST", value_delimiter = ',', value_parser = signing_digest)]
    android_signing_digest: Vec<[u8; 32]>,
    /// The server's signing key (PKCS#8), created on first run. Not
    /// COUNTERSIGN_KEY_FILE: that is the CLI's vault key, often exported in the
    /// same shell.
    #[arg(long, env = "COUNTERSIGN_SERVER_KEY_FILE")]
    key_file: Option<PathBuf>,
    /// The URL devices reach this server at (https, or http on loopback).
    #[arg(long, env = "COUNTERSIGN_PUBLIC_URL")]
    public_url: Option<String>,
    /// Organization name shown on phones.
    #[arg(long, default_value = "Countersign Demo", env = "COUNTERSIGN_ORG")]
    org: String,
    /// Token for the admin API and the Admin Portal (at least 16 characters).
    #[arg(
        long,
        env = "COUNTERSIGN_ADMIN_TOKEN",
        required_unless_present = "demo"
    )]
    admin_token: Option<String>,
    /// Token for the relying-party API (at least 16 characters).
    #[arg(long, env = "COUNTERSIGN_RP_TOKEN", required_unless_present = "demo")]
    rp_token: Option<String>,
    /// Where portal mail (password links) goes: smtp://host:port[?tls=required]
    /// or smtps://user:password@host:465. Default: files in <data>/outbox.
    #[arg(long, env = "COUNTERSIGN_SMTP_URL")]
    smtp_url: Option<String>,
    /// The sender of portal mail.
    #[arg(long, env = "COUNTERSIGN_MAIL_FROM")]
    mail_from: Option<String>,
    /// Where phones download the app; the enrollment page offers it as a QR.
    #[arg(long, env = "COUNTERSIGN_APP_DOWNLOAD_URL")]
    app_download_url: Option<String>,
    /// Demo mode: tokens not given are made up (and printed), and on first
    /// start a demo organisation is created, its user's password printed once.
    #[arg(long)]
    demo: bool,
    /// A proxy or load balancer (IP or CIDR) whose X-Forwarded-For names the
    /// client; repeat for several. Others' X-Forwarded-For is ignored.
    #[arg(
        long = "trusted-proxy",
        value_name = "CIDR",
        env = "COUNTERSIGN_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<Cidr>,
    /// APNs: the token-signing key (.p8) from the Apple developer account.
    /// With --apns-key-id, --apns-team-id and --apns-topic, pushes reach iPhones.
    #[arg(long, env = "COUNTERSIGN_APNS_KEY_FILE", requires_all = ["apns_key_id", "apns_team_id", "apns_topic"])]
    apns_key_file: Option<PathBuf>,
    /// APNs: the key's 10-character id.
    #[arg(long, env = "COUNTERSIGN_APNS_KEY_ID")]
    apns_key_id: Option<String>,
    /// APNs: the developer team's 10-character id.
    #[arg(long, env = "COUNTERSIGN_APNS_TEAM_ID")]
    apns_team_id: Option<String>,
    /// APNs: the iOS app's bundle id.
    #[arg(long, env = "COUNTERSIGN_APNS_TOPIC")]
    apns_topic: Option<String>,
    /// APNs: send to Apple's sandbox (development builds of the app).
    #[arg(long, env = "COUNTERSIGN_APNS_SANDBOX", conflicts_with = "apns_url")]
    apns_sandbox: bool,
    /// APNs: another base URL (a gateway or a test peer).
    #[arg(long, env = "COUNTERSIGN_APNS_URL")]
    apns_url: Option<String>,
    /// FCM: the Firebase service-account key file (JSON); pushes reach Android phones.
    #[arg(long, env = "COUNTERSIGN_FCM_SERVICE_ACCOUNT")]
    fcm_service_account: Option<PathBuf>,
    /// FCM: another base URL (a gateway or a test peer).
    #[arg(long, env = "COUNTERSIGN_FCM_URL")]
    fcm_url: Option<String>,
    /// Trust only this CA (PEM) when talking to APNs and FCM (a TLS-inspecting
    /// proxy, a test peer); default: the system's roots.
    #[arg(long, env = "COUNTERSIGN_PUSH_CA_FILE")]
    push_ca_file: Option<PathBuf>,
}

impl Args {
    fn delivery(&mut self) -> DeliveryConfig {
        let apns = self.apns_key_file.take().map(|key_file| ApnsConfig {
            key_file,
            key_id: self.apns_key_id.take().unwrap_or_default(),
            team_id: self.apns_team_id.take().unwrap_or_default(),
            topic: self.apns_topic.take().unwrap_or_default(),
            base_url: self.apns_url.take().unwrap_or_else(|| {
                if self.apns_sandbox {
                    apns::SANDBOX_URL
                } else {
                    apns::PRODUCTION_URL
                }
                .to_owned()
            }),
        });
        let fcm = self.fcm_service_account.take().map(|file| FcmConfig {
            base_url: self
                .fcm_url
                .take()
                .unwrap_or_else(|| fcm::PRODUCTION_URL.to_owned()),
            ..FcmConfig::new(file)
        });
        DeliveryConfig {
            apns,
            fcm,
            ca_file: self.push_ca_file.take(),
            ..DeliveryConfig::default()
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = Args::parse();
    let delivery = args.delivery();
    let made_up = |given: Option<String>| {
        given.map_or_else(
            || (countersign_server::rules::random_id("", 18), true),
            |t| (t, false),
        )
    };
    let ((admin_token, admin_made_up), (rp_token, rp_made_up)) =
        (made_up(args.admin_token), made_up(args.rp_token));
    let config = Config {
        listen: args.listen,
        data_dir: args.data,
        database: args.database,
        database_pool_size: args.database_pool_size.map(usize::from),
        sealing_key: match (args.sealing_key, args.sealing_key_file) {
            (Some(hex), _) => Some(KeySource::Hex(hex)),
            (None, Some(file)) => Some(KeySource::File(file)),
            (None, None) => None,
        },
        key_file: args.key_file,
        public_url: args.public_url,
        org: args.org,
        admin_token: admin_token.clone(),
        rp_token: rp_token.clone(),
        portal: countersign_server::PortalConfig {
            smtp_url: args.smtp_url,
            mail_from: args.mail_from,
            app_download_url: args.app_download_url,
        },
        delivery,
        attestation: countersign_server::config::AttestationConfig {
            roots_file: args.attestation_roots,
            android_package: args.android_package,
            android_signing_digests: args.android_signing_digest,
        },
    };
    if let Some(new_key) = args.reseal_to {
        return match countersign_server::reseal(&config, &new_key).await {
            Ok(count) => {
                println!(
                    "Re-sealed {count} secrets under {}: start every instance with it now.",
                    new_key.display()
                );
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let server = match countersign_server::start_with(
        &config,
        TrustedProxies(args.trusted_proxies),
        Arc::new(SystemClock),
    )
    .await
    {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "countersign-server listening on {} (public URL {}, server key {})",
        server.address, server.state.public_url, server.state.sk
    );
    if args.demo {
        let url = &server.state.public_url;
        if admin_made_up {
            println!("Admin Portal: {url}/admin, admin token {admin_token}");
        }
        if rp_made_up {
            println!("Relying-party token: {rp_token}");
        }
        match countersign_server::demo::seed(&server.state).await {
            Ok(Some(user)) => println!(
                "Demo organisation created. User Portal: {url}/portal/login, user {} \
                 password {} (shown this once)",
                user.name, user.password
            ),
            Ok(None) => println!("Users exist already: no demo organisation was added."),
            Err(error) => {
                eprintln!(
                    "error: the demo organisation was not created: {}",
                    error.0.detail
                );
                server.stop().await;
                return ExitCode::FAILURE;
            }
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    server.stop().await;
    ExitCode::SUCCESS
}

/// A signing-certificate digest as `--android-signing-digest` takes it: 64 hex
/// characters, colons (as keytool prints them) allowed.
fn signing_digest(text: &str) -> Result<[u8; 32], String> {
    let hex: String = text.chars().filter(|c| *c != ':').collect();
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(hex.as_bytes())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| "expected the SHA-256 digest as 64 hex characters".to_owned())
}
