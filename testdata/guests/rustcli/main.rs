//! rustcli is a command-line guest built with Debian's rustc for the
//! wasm32-wasi target, std only. It does what real command-line programs do:
//! it prints its arguments, flag-like ones included; it reads a file by a
//! relative name ("input.txt"), which wasi-libc resolves against the working
//! directory "/" and Rust's std then finds under the preopen named "/"; it
//! walks the working directory with read_dir, stating every entry both
//! relative to its directory's descriptor (DirEntry::metadata, an *at call)
//! and by its path (fs::metadata); and it reads stdin to end of file. It
//! prints one line per fact, sorted, and exits 1 on the first error.
use std::env;
use std::fs;
use std::io::{self, Read};
use std::path::Path;
use std::process;

fn walk(dir: &Path, out: &mut Vec<String>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = dir.join(entry.file_name());
        let at = entry.metadata()?; // path_filestat_get on the directory's fd
        let by_path = fs::metadata(&path)?; // path_filestat_get from the preopen
        if at.is_dir() != by_path.is_dir() || at.len() != by_path.len() {
            return Err(io::Error::new(io::ErrorKind::Other, format!("{}: the two stats differ", path.display())));
        }
        if at.is_dir() {
            out.push(format!("walk {}/", path.display()));
            walk(&path, out)?;
        } else {
            out.push(format!("walk {} {}", path.display(), at.len()));
        }
    }
    Ok(())
}

// fnv1a is the 32-bit FNV-1a hash of b.
fn fnv1a(b: &[u8]) -> u32 {
    b.iter().fold(0x811c9dc5u32, |h, &c| (h ^ c as u32).wrapping_mul(0x01000193))
}

fn run() -> io::Result<()> {
    for (i, arg) in env::args().enumerate().skip(1) {
        println!("arg {}: {:?}", i, arg);
    }
    let input = fs::read_to_string("input.txt")?;
    println!("input.txt: {:?}", input);
    let mut walked = Vec::new();
    walk(Path::new("."), &mut walked)?;
    walked.sort();
    for line in walked {
        println!("{}", line);
    }
    let mut stdin = Vec::new();
    io::stdin().read_to_end(&mut stdin)?;
    println!("stdin: {} bytes, fnv1a {:08x}", stdin.len(), fnv1a(&stdin));
    Ok(())
}

fn main() {
    if let Err(err) = run() {
        eprintln!("rustcli: {}", err);
        process::exit(1);
    }
}
