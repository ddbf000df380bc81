//! One login: send the push, ask "Approve on your phone, number N, then
//! press Enter — or type a code", then wait for the phone's answer or check
//! the code. PAM-free (the `Conversation` is PAM's in `ffi`, a script's in
//! the unit tests), so every decision here is plain Rust.

use std::time::{Duration, Instant};

use countersign_protocol::wire::ProblemType;

use crate::config::Config;
use crate::relying_party::{CreatedPush, Decision, LoginContext, RelyingParty, RelyingPartyError};

/// Typed codes per login before it fails (the server's own throttle counts
/// too, per user, across logins).
const CODE_ATTEMPTS: usize = 3;

/// The application could not ask (no terminal, a closed connection).
#[derive(Debug, thiserror::Error)]
#[error("the application cannot ask the user: {0}")]
pub struct ConversationError(pub String);

/// How the module talks to the person logging in.
pub trait Conversation {
    /// Asks with the answer shown as it is typed (a code is no secret once used).
    fn ask(&mut self, prompt: &str) -> Result<String, ConversationError>;
    /// An error message: why the login fails.
    fn warn(&mut self, message: &str);
    /// A note that is not an error.
    fn tell(&mut self, message: &str);
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Approved,
    CodeAccepted,
    /// The server could not be reached and `when_unreachable` lets this user in.
    PassedWhileUnreachable,
    Denied {
        fraud: bool,
    },
    Expired,
    TimedOut,
    WrongCode,
    Unreachable,
    /// The server refused the push or the code for a reason of its own
    /// (fraud lock, risk, throttled codes, a wrong token): its words.
    Refused(String),
    ConversationFailed(String),
}

impl Outcome {
    pub fn lets_in(&self) -> bool {
        matches!(
            self,
            Self::Approved | Self::CodeAccepted | Self::PassedWhileUnreachable
        )
    }

    /// The line for the system log: the outcome, never a code.
    pub fn log_line(&self, user: &str) -> String {
        let what = match self {
            Self::Approved => "push approved".to_owned(),
            Self::CodeAccepted => "code accepted".to_owned(),
            Self::PassedWhileUnreachable => {
                "server unreachable; let in by when_unreachable".to_owned()
            }
            Self::Denied { fraud: false } => "push denied".to_owned(),
            Self::Denied { fraud: true } => "push denied and reported as fraud".to_owned(),
            Self::Expired => "push expired".to_owned(),
            Self::TimedOut => "no answer before the timeout".to_owned(),
            Self::WrongCode => "wrong codes".to_owned(),
            Self::Unreachable => "server unreachable; refused (fail closed)".to_owned(),
            Self::Refused(why) => format!("refused: {why}"),
            Self::ConversationFailed(why) => format!("cannot ask: {why}"),
        };
        format!("pam_countersign: {user}: {what}")
    }
}

pub struct Login<'a> {
    pub config: &'a Config,
    pub relying_party: &'a RelyingParty,
    pub user: &'a str,
    pub context: &'a LoginContext,
}

impl std::fmt::Debug for Login<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login").field("user", &self.user).finish()
    }
}

impl Login<'_> {
    pub fn run(&self, conversation: &mut dyn Conversation) -> Outcome {
        let started = Instant::now();
        match self
            .relying_party
            .create_push(self.user, &self.config.resource, self.context)
        {
            Ok(push) => {
                let number = push
                    .number
                    .as_deref()
                    .map_or_else(|| ",".to_owned(), |number| format!(", number {number},"));
                let prompt =
                    format!("Approve on your phone{number} then press Enter — or type a code: ");
                let outcome = self.ask(conversation, &prompt, Some((&push, started)));
                if !matches!(
                    outcome,
                    Outcome::Approved
                        | Outcome::Denied { .. }
                        | Outcome::Expired
                        | Outcome::Unreachable
                        | Outcome::PassedWhileUnreachable
                ) {
                    // A code decided, or the login gave up: the phone should
                    // not go on offering a push nobody waits for, and the
                    // user's next login should not find it in the way. If
                    // this fails, the push expires within its minute anyway.
                    // (Not when the server is gone: that would only add a
                    // connection timeout to the login.)
                    let _ = self.relying_party.withdraw(&push.id);
                }
                outcome
            }
            Err(error) => self.without_push(conversation, &error),
        }
    }

    /// No push went out: a code may still let the user in, except where
    /// the server's refusal is about the user (fraud lock, risk).
    fn without_push(
        &self,
        conversation: &mut dyn Conversation,
        error: &RelyingPartyError,
    ) -> Outcome {
        let code_only = "Type a code from your authenticator: ";
        if let RelyingPartyError::Unreachable(_) = error {
            return self.unreachable(conversation);
        }
        if error.is_risk_refusal() {
            conversation
                .warn("This login looks too risky to send to your phone. Ask your administrator.");
            return Outcome::Refused(error.to_string());
        }
        match error.problem() {
            Some(ProblemType::NotEnrolled) => {
                conversation.tell("No phone is set up for push sign-ins on this account.");
                self.ask(conversation, code_only, None)
            }
            Some(ProblemType::RateLimited) => {
                conversation.tell(
                    "A sign-in is already waiting on your phone: answer it there, or type a code.",
                );
                self.ask(conversation, code_only, None)
            }
            Some(ProblemType::FraudLocked) => {
                conversation.warn(
                    "Push sign-ins are locked after a reported fraud attempt. \
                     Ask your administrator to unlock them.",
                );
                Outcome::Refused(error.to_string())
            }
            Some(ProblemType::Unauthorized) => {
                conversation.warn(
                    "The Countersign server refused this computer's token. Ask your administrator.",
                );
                Outcome::Refused(error.to_string())
            }
            _ => {
                conversation.warn(&format!("Countersign cannot send a push: {error}"));
                Outcome::Refused(error.to_string())
            }
        }
    }

    fn unreachable(&self, conversation: &mut dyn Conversation) -> Outcome {
        if self.config.when_unreachable.lets_in(self.user) {
            conversation.tell(
                "The Countersign server cannot be reached; this computer lets you in without it.",
            );
            Outcome::PassedWhileUnreachable
        } else {
            conversation.warn(
                "The Countersign server cannot be reached, and this computer refuses \
                 logins without it. Try again later, or ask your administrator.",
            );
            Outcome::Unreachable
        }
    }

    fn ask(
        &self,
        conversation: &mut dyn Conversation,
        prompt: &str,
        push: Option<(&CreatedPush, Instant)>,
    ) -> Outcome {
        for _ in 0..CODE_ATTEMPTS {
            let answer = match conversation.ask(prompt) {
                Ok(answer) => answer,
                Err(error) => return Outcome::ConversationFailed(error.0),
            };
            let code: String = answer.chars().filter(|c| !c.is_whitespace()).collect();
            if code.is_empty() {
                match push {
                    Some((push, started)) => return self.wait(conversation, push, started),
                    None => {
                        conversation.warn("Type the code your authenticator shows.");
                        continue;
                    }
                }
            }
            match self
                .relying_party
                .verify_code(self.user, &code, self.context.remote.as_deref())
            {
                Ok(()) => return Outcome::CodeAccepted,
                Err(error) if error.problem() == Some(ProblemType::WrongCode) => {
                    conversation.warn("That code is not right.");
                }
                Err(error) if error.problem() == Some(ProblemType::RateLimited) => {
                    let wait = error
                        .retry_after()
                        .map(|seconds| format!(" for {seconds} s"))
                        .unwrap_or_default();
                    conversation.warn(&format!("Too many wrong codes: codes are locked{wait}."));
                    return Outcome::WrongCode;
                }
                Err(RelyingPartyError::Unreachable(_)) => return self.unreachable(conversation),
                Err(error) => {
                    conversation.warn(&format!("Countersign cannot check the code: {error}"));
                    return Outcome::Refused(error.to_string());
                }
            }
        }
        Outcome::WrongCode
    }

    fn wait(
        &self,
        conversation: &mut dyn Conversation,
        push: &CreatedPush,
        started: Instant,
    ) -> Outcome {
        let deadline = started + self.config.timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let decision = match self.relying_party.wait(&push.id, left) {
                Ok(decision) => decision,
                Err(RelyingPartyError::Unreachable(_)) => return self.unreachable(conversation),
                Err(error) => {
                    conversation.warn(&format!("Countersign cannot read the answer: {error}"));
                    return Outcome::Refused(error.to_string());
                }
            };
            match decision {
                Decision::Approved => return Outcome::Approved,
                Decision::Denied { fraud } => {
                    conversation.warn(if fraud {
                        "Denied on your phone, and reported as fraud."
                    } else {
                        "Denied on your phone."
                    });
                    return Outcome::Denied { fraud };
                }
                Decision::Expired => {
                    conversation
                        .warn("The request on your phone expired. Log in again for a new one.");
                    return Outcome::Expired;
                }
                Decision::Pending if left.is_zero() => {
                    conversation.warn(&format!(
                        "No answer from your phone within {} seconds.",
                        self.config.timeout.as_secs()
                    ));
                    return Outcome::TimedOut;
                }
                Decision::Pending => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }
}
