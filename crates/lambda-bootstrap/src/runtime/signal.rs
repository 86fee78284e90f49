//! SIGTERM, for the shutdown hook: [`block_sigterm`] blocks it in every
//! thread, so that it never kills the process, and [`wait_for_sigterm`]
//! takes it on the one thread that waits for it. No signal handler is
//! installed: nothing ever runs in signal context, which is why this is
//! three libc calls and not a signal-handling library (ARCHITECTURE.md).
//!
//! Only called when a shutdown hook is declared: without one, SIGTERM keeps
//! its default action.

use std::io;
use std::mem::MaybeUninit;
use std::ptr;

/// Blocks SIGTERM in the calling thread and every thread it starts from
/// now on (a new thread inherits its creator's mask). Call it while the
/// process has no other thread: one started before it would still take
/// SIGTERM's default action, ending the process (the shutdown hook's
/// arming warns when there is one).
#[allow(unsafe_code)]
pub fn block_sigterm() -> io::Result<()> {
    let set = sigterm();
    // SAFETY: `set` is an initialized signal set; the old mask is not asked
    // for (null). pthread_sigmask only reads `set`.
    let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, ptr::null_mut()) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(rc))
    }
}

/// Waits until SIGTERM is sent to the process (it must be blocked, see
/// [`block_sigterm`]), and takes it.
#[allow(unsafe_code)]
pub fn wait_for_sigterm() -> io::Result<()> {
    let set = sigterm();
    let mut signal = 0;
    // SAFETY: `set` is initialized and `signal` a valid place for sigwait
    // to write the signal taken; both outlive the call.
    let rc = unsafe { libc::sigwait(&set, &mut signal) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(rc))
    }
}

/// The set holding SIGTERM only.
#[allow(unsafe_code)]
fn sigterm() -> libc::sigset_t {
    let mut set = MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: sigemptyset initializes the whole set it is given, and
    // sigaddset then adds a valid signal number to it; only then is it
    // read as initialized. Neither can fail for these arguments.
    unsafe {
        libc::sigemptyset(set.as_mut_ptr());
        libc::sigaddset(set.as_mut_ptr(), libc::SIGTERM);
        set.assume_init()
    }
}
