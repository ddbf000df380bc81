//! `countersign-server`: run the reference push-MFA server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use countersign_otp::SystemClock;
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
    /// Token for the admin API (at least 16 characters).
    #[arg(long, env = "COUNTERSIGN_ADMIN_TOKEN")]
    admin_token: String,
    /// Token for the relying-party API (at least 16 characters).
    #[arg(long, env = "COUNTERSIGN_RP_TOKEN")]
    rp_token: String,
    /// A proxy or load balancer (IP or CIDR) whose X-Forwarded-For names the
    /// client; repeat for several. Others' X-Forwarded-For is ignored.
    #[arg(
        long = "trusted-proxy",
        value_name = "CIDR",
        env = "COUNTERSIGN_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<Cidr>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let config = Config {
        listen: args.listen,
        data_dir: args.data,
        key_file: args.key_file,
        public_url: args.public_url,
        org: args.org,
        admin_token: args.admin_token,
        rp_token: args.rp_token,
    };
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
    let _ = tokio::signal::ctrl_c().await;
    server.stop().await;
    ExitCode::SUCCESS
}
