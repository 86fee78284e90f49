//! Reading the small files the environment names (`AWS_CA_BUNDLE`,
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`): regular files only (a
//! symlink to one included), up to a size, and never blocking. A FIFO, a
//! device such as `/dev/zero` or a directory is refused before a byte is
//! read, so that a wrong path is a clear error, not a hung process.

use std::fs::OpenOptions;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;

/// The bytes of the regular file at `path`, if it has at most `max`; else
/// why not, as a phrase to follow the file's name (`is not a regular
/// file`, `cannot be read: …`).
pub fn read_small(path: &str, max: u64) -> Result<Vec<u8>, String> {
    // Non-blocking, so that opening a FIFO with no writer returns at once;
    // the type is then checked on what was opened, not on a name that may
    // have changed in between.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| format!("cannot be read: {e}"))?;
    let metadata = file
        .metadata()
        .map_err(|e| format!("cannot be read: {e}"))?;
    if !metadata.is_file() {
        return Err("is not a regular file".into());
    }
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot be read: {e}"))?;
    if bytes.len() as u64 > max {
        return Err(format!("is larger than {}", size(max)));
    }
    Ok(bytes)
}

/// `4 MiB`, `64 KiB`, `100 bytes`.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_small_regular_files_are_read_and_nothing_blocks() {
        let dir = std::env::temp_dir().join(format!("aws-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = |name: &str| dir.join(name).to_str().unwrap().to_string();

        std::fs::write(path("small"), "hello").unwrap();
        assert_eq!(read_small(&path("small"), 5).unwrap(), b"hello");
        std::os::unix::fs::symlink(path("small"), path("link")).unwrap();
        assert_eq!(read_small(&path("link"), 5).unwrap(), b"hello");
        assert_eq!(
            read_small(&path("small"), 4).unwrap_err(),
            "is larger than 4 bytes"
        );
        // A sparse file: large, and nothing written.
        let big = std::fs::File::create(path("big")).unwrap();
        big.set_len((4 << 20) + 1).unwrap();
        assert_eq!(
            read_small(&path("big"), 4 << 20).unwrap_err(),
            "is larger than 4 MiB"
        );

        let fifo = path("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        for endless in [fifo.as_str(), "/dev/zero", dir.to_str().unwrap()] {
            assert_eq!(
                read_small(endless, 1 << 20).unwrap_err(),
                "is not a regular file",
                "{endless}"
            );
        }
        let err = read_small(&path("missing"), 1).unwrap_err();
        assert!(err.starts_with("cannot be read: "), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
