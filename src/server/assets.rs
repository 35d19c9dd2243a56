//! Precompressed copies of the built assets. Files under `/pkg` carry content hashes in
//! release builds, so each `.br`/`.gz` is written once, at the strongest level, and then served
//! as is instead of being compressed again on every request.

use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
};

const COMPRESSIBLE: [&str; 3] = ["wasm", "js", "css"];

/// Writes the missing `.br` and `.gz` copies of the compressible files in `dir`.
pub fn precompress(dir: &Path) -> io::Result<usize> {
    let mut written = 0;
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !compressible {
            continue;
        }
        let data = fs::read(&path)?;
        for (suffix, compress) in [
            ("br", brotli_best as fn(&[u8]) -> io::Result<Vec<u8>>),
            ("gz", gzip_best),
        ] {
            let target = with_suffix(&path, suffix);
            if !target.exists() {
                // Written aside and renamed, so a half-written file is never served.
                let partial = with_suffix(&path, &format!("{suffix}.partial"));
                fs::write(&partial, compress(&data)?)?;
                fs::rename(&partial, &target)?;
                written += 1;
            }
        }
    }
    Ok(written)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Brotli at its strongest (quality 11), as served; also measured by `make bench`.
pub fn brotli_best(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(data)?;
    }
    Ok(out)
}

/// Gzip at its strongest (level 9), as served; also measured by `make bench`.
pub fn gzip_best(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressible_files_get_br_and_gz_copies_that_decompress_to_the_original() {
        let dir = tempfile::tempdir().unwrap();
        let original = "body { color: red; } ".repeat(200);
        fs::write(dir.path().join("app.abc.css"), &original).unwrap();
        fs::write(dir.path().join("notes.txt"), "leave me").unwrap();
        assert_eq!(precompress(dir.path()).unwrap(), 2);
        assert_eq!(precompress(dir.path()).unwrap(), 0, "existing copies are kept");
        assert!(!dir.path().join("notes.txt.br").exists());

        let br = fs::read(dir.path().join("app.abc.css.br")).unwrap();
        let mut plain = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut plain).unwrap();
        assert_eq!(plain, original.as_bytes());
        let gz = fs::read(dir.path().join("app.abc.css.gz")).unwrap();
        let mut plain = String::new();
        io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain).unwrap();
        assert_eq!(plain, original);
    }
}
