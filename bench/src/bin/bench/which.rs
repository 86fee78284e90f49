//! Finding a program on PATH, as a shell would, for the tools the driver
//! starts (taskset, valgrind, strace, moto_server): a missing one is an
//! error that names it and how to install it, before anything is measured.

use std::path::{Path, PathBuf};

/// `program` in one of PATH's directories, if it is there and executable.
pub fn find_in_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(program))
            .find(|candidate| is_executable(candidate))
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}
