//! Secrets and files a source names: files only under the server's `source_files_dir` (so an operator
//! who configures sources cannot make the server read its own keys), variables only `ENROLLD_SOURCE_*`.

use std::path::{Component, Path, PathBuf};

use super::SourceError;
use crate::model::identity_sources::SecretRef;

/// The prefix every secret variable has.
pub const ENV_PREFIX: &str = "ENROLLD_SOURCE_";

/// Checks a path a source names: relative, inside the directory (no `..`, no root).
pub fn check_relative(path: &str) -> Result<(), String> {
    let relative = Path::new(path);
    let plain = !path.is_empty()
        && relative
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if plain {
        Ok(())
    } else {
        Err("must be a path relative to the server's source_files_dir, without `..`".into())
    }
}

/// Checks a secret reference: exactly one of `file` and `env`, each well-formed.
pub fn check_ref(secret: &SecretRef) -> Result<(), String> {
    match (&secret.file, &secret.env) {
        (Some(file), None) => check_relative(file),
        (None, Some(env)) => check_env(env),
        _ => Err("give exactly one of `file` and `env`".into()),
    }
}

fn check_env(name: &str) -> Result<(), String> {
    let rest = name.strip_prefix(ENV_PREFIX).unwrap_or_default();
    if !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(())
    } else {
        Err(format!(
            "must be a variable named {ENV_PREFIX}<NAME> (upper-case letters, digits, `_`)"
        ))
    }
}

/// The full path of a file a source names, under `files_dir`.
pub fn resolve(files_dir: Option<&Path>, path: &str) -> Result<PathBuf, SourceError> {
    let dir = files_dir.ok_or_else(|| {
        SourceError::Misconfigured(format!(
            "the source names the file {path:?}, but the server has no source_files_dir \
             (ENROLLD_SOURCE_FILES_DIR)"
        ))
    })?;
    check_relative(path).map_err(|e| SourceError::Misconfigured(format!("{path:?} {e}")))?;
    Ok(dir.join(path))
}

/// Reads a secret (its first line).
pub fn read(files_dir: Option<&Path>, secret: &SecretRef) -> Result<String, SourceError> {
    let text = match (&secret.file, &secret.env) {
        (Some(file), _) => {
            let path = resolve(files_dir, file)?;
            std::fs::read_to_string(&path).map_err(|e| {
                SourceError::Misconfigured(format!("cannot read the secret file {file:?}: {e}"))
            })?
        }
        (None, Some(env)) => {
            check_env(env).map_err(SourceError::Misconfigured)?;
            std::env::var(env).map_err(|_| {
                SourceError::Misconfigured(format!("the server has no variable {env}"))
            })?
        }
        (None, None) => return Err(SourceError::Misconfigured("an empty secret".into())),
    };
    Ok(text.lines().next().unwrap_or_default().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_stay_inside_and_variables_are_ours() {
        assert!(check_relative("hr/ldap.password").is_ok());
        assert!(check_relative("../enrolld.key").is_err());
        assert!(check_relative("/etc/shadow").is_err());
        assert!(check_relative("a/../../b").is_err());
        assert!(check_relative("").is_err());
        assert!(check_env("ENROLLD_SOURCE_HR_TOKEN").is_ok());
        assert!(check_env("ENROLLD_SECRET_KEY").is_err());
        assert!(check_env("ENROLLD_SOURCE_").is_err());
        assert!(check_env("ENROLLD_SOURCE_x").is_err());
        let both = SecretRef {
            file: Some("a".into()),
            env: Some("ENROLLD_SOURCE_A".into()),
        };
        assert!(check_ref(&both).is_err());
    }
}
