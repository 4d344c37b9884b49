//! What a node keeps in its data directory when it is not configured: its
//! name and generated secrets, written readable by its owner only.

use anyhow::Context;
use secrecy::SecretString;
use std::path::Path;

/// The node's name: given, or made on first start and kept in the data
/// directory. Letters, digits and dashes only (it prefixes lease owners).
pub(super) fn node_id(data_dir: &Path, given: Option<String>) -> anyhow::Result<String> {
    let id = match given {
        Some(id) => id,
        None => {
            let path = data_dir.join("node-id");
            match std::fs::read_to_string(&path) {
                Ok(existing) => existing.trim().to_owned(),
                Err(_) => {
                    std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
                    let id = format!("node-{}", crate::random_token(6));
                    write_private(&path, &id).with_context(|| format!("writing {}", path.display()))?;
                    id
                }
            }
        }
    };
    anyhow::ensure!(
        !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
        "NODE_ID must be letters, digits and dashes"
    );
    Ok(id)
}

/// With a secret not configured, a random one is made on first start and
/// kept in the data directory (mode 0600), so the embedded default needs no
/// configuration and the `simulate` command finds the same secret.
pub fn local_secret(data_dir: &Path, name: &str) -> anyhow::Result<SecretString> {
    let path = data_dir.join(name);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(SecretString::from(existing.trim().to_owned()));
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    let secret = crate::random_token(32);
    write_private(&path, &secret).with_context(|| format!("writing {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a secret (configure it to choose your own)");
    Ok(SecretString::from(secret))
}

pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn generates_and_keeps_a_local_secret() {
        let dir = tempfile::tempdir().unwrap();
        let a = local_secret(dir.path(), "s").unwrap();
        let b = local_secret(dir.path(), "s").unwrap();
        assert_eq!(a.expose_secret(), b.expose_secret());
        assert!(a.expose_secret().len() >= 32);
    }
}
