//! The server's own key: an ed25519 key made once, kept readable by its owner only, so that
//! clients that learnt its fingerprint keep trusting the server across restarts.

use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{HashAlg, PrivateKey};
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Loads the host key at `path`, or makes one there (mode 0600) when there is none. A key that
/// others may read is refused, as sshd refuses it: it would let them pose as this server.
pub fn load_or_create(path: &Path) -> anyhow::Result<PrivateKey> {
    match std::fs::metadata(path) {
        Ok(meta) => {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                anyhow::bail!(
                    "{}: the host key is readable by others (mode {mode:o}); chmod 600 it",
                    path.display()
                );
            }
            let text = std::fs::read_to_string(path)
                .map_err(|err| anyhow::anyhow!("cannot read {}: {err}", path.display()))?;
            PrivateKey::from_openssh(text.as_bytes()).map_err(|err| {
                anyhow::anyhow!("{}: not an OpenSSH private key: {err}", path.display())
            })
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => create(path),
        Err(err) => Err(anyhow::anyhow!("cannot read {}: {err}", path.display())),
    }
}

fn create(path: &Path) -> anyhow::Result<PrivateKey> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|err| anyhow::anyhow!("cannot create {}: {err}", parent.display()))?;
    }
    let mut seed = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut seed))
        .map_err(|err| anyhow::anyhow!("cannot read /dev/urandom: {err}"))?;
    let key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
    let text = key
        .to_openssh(LineEnding::LF)
        .map_err(|err| anyhow::anyhow!("cannot encode the host key: {err}"))?;
    // create_new: two servers starting at once must not both write (and one lose) a key.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|err| anyhow::anyhow!("cannot create {}: {err}", path.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|err| anyhow::anyhow!("cannot write {}: {err}", path.display()))?;
    Ok(key)
}

/// The fingerprint ssh prints and asks about: `SHA256:…`.
pub fn fingerprint(key: &PrivateKey) -> String {
    key.public_key().fingerprint(HashAlg::Sha256).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_made_once_private_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/host_ed25519");
        let made = load_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = load_or_create(&path).unwrap();
        assert_eq!(fingerprint(&made), fingerprint(&again));
        assert!(fingerprint(&made).starts_with("SHA256:"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = load_or_create(&path).unwrap_err().to_string();
        assert!(refused.contains("chmod 600"), "{refused}");
    }
}
