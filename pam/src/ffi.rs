//! The module's only unsafe code: the two entry points Linux-PAM calls, and
//! the four libpam calls the login needs (the user, the service, the remote
//! host, the conversation), plus syslog.
//!
//! Written against Linux-PAM's `<security/pam_modules.h>` rather than through
//! a PAM crate: the module needs these few calls, a reviewer can hold them in
//! one file, and nothing else in the process changes (ADR 0020). OpenPAM
//! (macOS, the BSDs) numbers its return codes differently, so this file is
//! compiled for Linux only.

#![allow(unsafe_code)]

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::path::PathBuf;
use std::ptr;

use crate::config::{Config, DEFAULT_PATH};
use crate::login::{Conversation, ConversationError, Login, Outcome};
use crate::relying_party::{LoginContext, RelyingParty};

// <security/_pam_types.h>
const PAM_SUCCESS: c_int = 0;
const PAM_SERVICE_ERR: c_int = 3;
const PAM_AUTH_ERR: c_int = 7;
const PAM_AUTHINFO_UNAVAIL: c_int = 9;
const PAM_USER_UNKNOWN: c_int = 10;
const PAM_CONV_ERR: c_int = 19;

const PAM_SERVICE: c_int = 1;
const PAM_RHOST: c_int = 4;
const PAM_CONV: c_int = 5;

const PAM_PROMPT_ECHO_ON: c_int = 2;
const PAM_ERROR_MSG: c_int = 3;
const PAM_TEXT_INFO: c_int = 4;

const PAM_SILENT: c_int = 0x8000;

/// `pam_handle_t`: opaque.
#[repr(C)]
pub struct PamHandle {
    _private: [u8; 0],
}

#[repr(C)]
struct PamMessage {
    msg_style: c_int,
    msg: *const c_char,
}

#[repr(C)]
struct PamResponse {
    resp: *mut c_char,
    resp_retcode: c_int,
}

type ConvFunction = unsafe extern "C" fn(
    num_msg: c_int,
    msg: *mut *const PamMessage,
    resp: *mut *mut PamResponse,
    appdata_ptr: *mut c_void,
) -> c_int;

#[repr(C)]
struct PamConv {
    conv: Option<ConvFunction>,
    appdata_ptr: *mut c_void,
}

// Not linked against libpam: the application that loads the module (sshd,
// login, sudo, pamtester) already has it, and its symbols resolve the
// module's. So the workspace builds on a machine without libpam's headers.
unsafe extern "C" {
    fn pam_get_user(pamh: *mut PamHandle, user: *mut *const c_char, prompt: *const c_char)
    -> c_int;
    fn pam_get_item(pamh: *const PamHandle, item_type: c_int, item: *mut *const c_void) -> c_int;
    fn pam_syslog(pamh: *const PamHandle, priority: c_int, fmt: *const c_char, ...);
}

/// `auth required pam_countersign.so [config=/etc/countersign/pam.conf]`
///
/// # Safety
/// Called by libpam with its own handle and the PAM line's arguments.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pam_sm_authenticate(
    pamh: *mut PamHandle,
    flags: c_int,
    argc: c_int,
    argv: *const *const c_char,
) -> c_int {
    // A panic must not unwind into C: it becomes a service error.
    std::panic::catch_unwind(|| {
        // SAFETY: libpam passes argc valid C strings in argv.
        let arguments = unsafe { arguments(argc, argv) };
        let handle = Handle { pamh, flags };
        authenticate(&handle, &arguments)
    })
    .unwrap_or(PAM_SERVICE_ERR)
}

/// Nothing to set: the module proves who someone is and holds no credential.
///
/// # Safety
/// Called by libpam; reads nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pam_sm_setcred(
    _pamh: *mut PamHandle,
    _flags: c_int,
    _argc: c_int,
    _argv: *const *const c_char,
) -> c_int {
    PAM_SUCCESS
}

unsafe fn arguments(argc: c_int, argv: *const *const c_char) -> Vec<String> {
    let count = usize::try_from(argc).unwrap_or(0);
    if argv.is_null() {
        return Vec::new();
    }
    (0..count)
        .filter_map(|index| {
            // SAFETY: index < argc, and libpam's argv entries are C strings.
            let argument = unsafe { *argv.add(index) };
            (!argument.is_null()).then(|| {
                unsafe { CStr::from_ptr(argument) }
                    .to_string_lossy()
                    .into_owned()
            })
        })
        .collect()
}

fn authenticate(handle: &Handle, arguments: &[String]) -> c_int {
    let config_path = arguments
        .iter()
        .find_map(|argument| argument.strip_prefix("config="))
        .map_or_else(|| PathBuf::from(DEFAULT_PATH), PathBuf::from);
    let Some(user) = handle.user() else {
        return PAM_USER_UNKNOWN;
    };
    let config = match Config::load(&config_path) {
        Ok(config) => config,
        Err(error) => {
            handle.log(libc::LOG_ERR, &format!("pam_countersign: {error}"));
            let mut conversation = handle.conversation();
            conversation.warn("Countersign is not set up correctly on this computer.");
            return PAM_AUTHINFO_UNAVAIL;
        }
    };
    let relying_party = match RelyingParty::new(&config.server, &config.token) {
        Ok(relying_party) => relying_party,
        Err(error) => {
            handle.log(libc::LOG_ERR, &format!("pam_countersign: {error}"));
            return PAM_SERVICE_ERR;
        }
    };
    let context = LoginContext {
        service: handle.item(PAM_SERVICE),
        host: host_name(),
        remote: handle.item(PAM_RHOST),
    };
    let login = Login {
        config: &config,
        relying_party: &relying_party,
        user: &user,
        context: &context,
    };
    let outcome = login.run(&mut handle.conversation());
    let priority = match outcome {
        // Let in without the second factor: worth an operator's attention.
        Outcome::PassedWhileUnreachable => libc::LOG_WARNING,
        ref outcome if outcome.lets_in() => libc::LOG_INFO,
        _ => libc::LOG_NOTICE,
    };
    handle.log(priority, &outcome.log_line(&user));
    match outcome {
        outcome if outcome.lets_in() => PAM_SUCCESS,
        Outcome::ConversationFailed(_) => PAM_CONV_ERR,
        Outcome::Unreachable => PAM_AUTHINFO_UNAVAIL,
        _ => PAM_AUTH_ERR,
    }
}

struct Handle {
    pamh: *mut PamHandle,
    flags: c_int,
}

impl Handle {
    fn user(&self) -> Option<String> {
        let mut user: *const c_char = ptr::null();
        // SAFETY: pamh is libpam's; it fills `user` with a string it owns.
        let status = unsafe { pam_get_user(self.pamh, &mut user, ptr::null()) };
        if status != PAM_SUCCESS || user.is_null() {
            return None;
        }
        // SAFETY: non-null, NUL-terminated, alive while the handle is.
        let user = unsafe { CStr::from_ptr(user) }.to_str().ok()?;
        (!user.is_empty()).then(|| user.to_owned())
    }

    /// A string item (`PAM_SERVICE`, `PAM_RHOST`), when set.
    fn item(&self, item_type: c_int) -> Option<String> {
        let mut item: *const c_void = ptr::null();
        // SAFETY: string items are NUL-terminated strings libpam owns.
        let status = unsafe { pam_get_item(self.pamh, item_type, &mut item) };
        if status != PAM_SUCCESS || item.is_null() {
            return None;
        }
        let text = unsafe { CStr::from_ptr(item.cast::<c_char>()) };
        let text = text.to_string_lossy().into_owned();
        (!text.is_empty()).then_some(text)
    }

    fn log(&self, priority: c_int, line: &str) {
        let Ok(line) = CString::new(line.replace('\0', "")) else {
            return;
        };
        // SAFETY: a "%s" format with one C string argument.
        unsafe { pam_syslog(self.pamh, priority, c"%s".as_ptr(), line.as_ptr()) };
    }

    fn conversation(&self) -> PamConversation<'_> {
        PamConversation { handle: self }
    }
}

struct PamConversation<'a> {
    handle: &'a Handle,
}

impl PamConversation<'_> {
    fn send(&self, style: c_int, text: &str) -> Result<Option<String>, ConversationError> {
        let mut conv: *const c_void = ptr::null();
        // SAFETY: PAM_CONV is a `struct pam_conv` the application set.
        let status = unsafe { pam_get_item(self.handle.pamh, PAM_CONV, &mut conv) };
        if status != PAM_SUCCESS || conv.is_null() {
            return Err(ConversationError("no conversation function".into()));
        }
        // SAFETY: checked non-null above; libpam keeps it alive.
        let conv = unsafe { &*conv.cast::<PamConv>() };
        let Some(function) = conv.conv else {
            return Err(ConversationError("no conversation function".into()));
        };
        let text = CString::new(text.replace('\0', ""))
            .map_err(|_| ConversationError("a message with NUL".into()))?;
        let message = PamMessage {
            msg_style: style,
            msg: text.as_ptr(),
        };
        let mut messages = [&message as *const PamMessage];
        let mut response: *mut PamResponse = ptr::null_mut();
        // SAFETY: one message; the application allocates `response` with
        // malloc (Linux-PAM's contract), which is freed below.
        let status = unsafe { function(1, messages.as_mut_ptr(), &mut response, conv.appdata_ptr) };
        // SAFETY: `response` is null or the application's malloc'd array of one.
        let answer = unsafe { take_response(response) };
        if status != PAM_SUCCESS {
            return Err(ConversationError(format!("conversation error {status}")));
        }
        Ok(answer)
    }
}

/// Copies the answer out, wipes the application's copy (it may be a code)
/// and frees both allocations.
unsafe fn take_response(response: *mut PamResponse) -> Option<String> {
    if response.is_null() {
        return None;
    }
    // SAFETY: the caller's contract: a valid malloc'd PamResponse.
    let text = unsafe { (*response).resp };
    let answer = if text.is_null() {
        None
    } else {
        // SAFETY: a NUL-terminated malloc'd string.
        let answer = unsafe { CStr::from_ptr(text) }
            .to_string_lossy()
            .into_owned();
        unsafe {
            let length = libc::strlen(text);
            ptr::write_bytes(text, 0, length);
            libc::free(text.cast());
        }
        Some(answer)
    };
    // SAFETY: malloc'd by the application, freed once.
    unsafe { libc::free(response.cast()) };
    answer
}

impl Conversation for PamConversation<'_> {
    fn ask(&mut self, prompt: &str) -> Result<String, ConversationError> {
        Ok(self.send(PAM_PROMPT_ECHO_ON, prompt)?.unwrap_or_default())
    }

    fn warn(&mut self, message: &str) {
        if self.handle.flags & PAM_SILENT == 0 {
            let _ = self.send(PAM_ERROR_MSG, message);
        }
    }

    fn tell(&mut self, message: &str) {
        if self.handle.flags & PAM_SILENT == 0 {
            let _ = self.send(PAM_TEXT_INFO, message);
        }
    }
}

fn host_name() -> Option<String> {
    let mut buffer = [0u8; 256];
    // SAFETY: the buffer's length is passed; the result is NUL-terminated
    // when it fits, and the last byte stays 0 regardless.
    let status = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len() - 1) };
    if status != 0 {
        return None;
    }
    let name = CStr::from_bytes_until_nul(&buffer).ok()?.to_str().ok()?;
    (!name.is_empty()).then(|| name.to_owned())
}
