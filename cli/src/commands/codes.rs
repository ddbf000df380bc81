//! `countersign codes [--watch]`: every account's code and seconds left, once or
//! as a live view that redraws each second.

use std::io::Write;
use std::time::Duration;

use countersign_core::clock::UnixTime;
use countersign_core::vault::{CodeDisplay, CodesView};
use countersign_core::{Clock, SystemClock};

use crate::error::CliError;
use crate::vault_access::VaultOptions;

#[derive(Debug, clap::Args)]
pub struct CodesArgs {
    /// Keep the view open and redraw it every second (Ctrl-C to leave).
    #[arg(long)]
    watch: bool,
    /// With --watch: stop after this many seconds.
    #[arg(long, requires = "watch")]
    seconds: Option<u64>,
    /// Compute the codes at this Unix time instead of now.
    #[arg(long, conflicts_with = "watch", allow_negative_numbers = true)]
    at: Option<UnixTime>,
    /// One JSON object: every account with its code (plain digits), for scripts.
    #[arg(long, conflicts_with = "watch")]
    json: bool,
}

pub fn run(options: &VaultOptions, args: &CodesArgs) -> Result<(), CliError> {
    let vault = options.open()?;
    if !args.watch {
        let now = args.at.unwrap_or_else(|| SystemClock.now());
        let view = vault.codes_view(now)?;
        if args.json {
            println!("{}", crate::json::codes(&view));
        } else {
            print!("{}", render(&view));
        }
        return Ok(());
    }
    let mut stdout = std::io::stdout();
    let mut elapsed = 0;
    // Like the phone's codes screen: secrets read once, key states kept while
    // the screen is up, read again when another process changes the vault.
    let mut screen = vault.codes_screen()?;
    loop {
        if screen.revision() != vault.codes_revision()? {
            screen = vault.codes_screen()?;
        }
        let view = screen.view(SystemClock.now());
        // Clear the screen and go home, then draw: one frame a second.
        write!(stdout, "\x1b[2J\x1b[H{}", render(&view))?;
        writeln!(stdout, "\n(Ctrl-C to leave)")?;
        stdout.flush()?;
        if args.seconds.is_some_and(|limit| elapsed >= limit) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(1));
        elapsed += 1;
    }
}

fn render(view: &CodesView) -> String {
    if view.entries.is_empty() {
        return "No accounts. Add one with `countersign add 'otpauth://…'`.\n".to_owned();
    }
    let mut text = String::new();
    for entry in &view.entries {
        let title = match &entry.issuer {
            Some(issuer) => format!("{issuer} ({})", entry.name),
            None => entry.name.clone(),
        };
        let shown = match &entry.display {
            CodeDisplay::Code(code) => {
                let left = code.seconds_left.unwrap_or(0);
                let period = code.period.unwrap_or(30).max(1);
                format!("{}  {:>2}s {}", group(&code.value), left, bar(left, period))
            }
            CodeDisplay::HotpReady { counter } => {
                format!("(HOTP #{counter}: `countersign next` shows the code)")
            }
            CodeDisplay::Unavailable { reason } => format!("unavailable: {reason}"),
        };
        text.push_str(&format!("{title:<40}  {shown}\n"));
    }
    text
}

/// "123 456": codes are read aloud and typed in halves.
fn group(code: &str) -> String {
    if code.len() == 6 || code.len() == 8 {
        let (left, right) = code.split_at(code.len() / 2);
        format!("{left} {right}")
    } else {
        code.to_owned()
    }
}

/// A countdown bar of ten cells.
fn bar(left: u32, period: u32) -> String {
    let filled = (left * 10).div_ceil(period).min(10) as usize;
    format!("[{}{}]", "#".repeat(filled), ".".repeat(10 - filled))
}
