//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// The Python interpreter that has real psutil installed, for live comparisons:
/// `$PSOXIDE_PYTHON`, else the repository's `.venv/bin/python` (made by
/// `scripts/test.sh`), else `/tmp/v/bin/python`. The caller checks that it exists.
#[allow(dead_code)]
pub fn psutil_python() -> String {
    if let Some(p) = std::env::var_os("PSOXIDE_PYTHON") {
        return p.to_string_lossy().into_owned();
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    if venv.exists() {
        return venv.to_string_lossy().into_owned();
    }
    "/tmp/v/bin/python".to_string()
}
