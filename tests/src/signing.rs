//! Signatures checked as a receiver would, by an implementation other than
//! the server's: Python's standard `hmac`.

use std::{io::Write, process::Command};

/// HMAC-SHA256 of `message` under `secret`, in hex, by Python's `hmac`.
pub fn python_hmac(secret: &str, message: &[u8]) -> String {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import hmac,hashlib,sys; print(hmac.new(sys.argv[1].encode(), sys.stdin.buffer.read(), hashlib.sha256).hexdigest())",
            secret,
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().expect("stdin").write_all(message).expect("the message is written");
    String::from_utf8(child.wait_with_output().expect("python3 ends").stdout).expect("hex").trim().to_owned()
}

/// Whether `Gridline-Signature: t=<t>,v1=<hex>` is the HMAC of `"<t>.<body>"`; answers `t`.
pub fn verified(header: &str, body: &[u8], secret: &str) -> Option<i64> {
    let (t, v1) = header.split_once(",v1=")?;
    let t = t.strip_prefix("t=")?;
    let mut signed = format!("{t}.").into_bytes();
    signed.extend_from_slice(body);
    (v1 == python_hmac(secret, &signed)).then(|| t.parse().ok()).flatten()
}
