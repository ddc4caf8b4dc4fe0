//! What an SMTP server offers, asked in plain text (the greeting and `EHLO`), so a TLS
//! mismatch is answered with the setting that works rather than a guess: `tls =
//! "starttls"` when it offers STARTTLS, `tls = "none"` when it speaks no TLS and is on this
//! machine, else the provider's TLS port.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The setting that would work with a server that did not speak the configured TLS, found
/// by asking it; `None` when it cannot be asked (it does not answer in plain text either).
pub async fn setting_that_works(
    host: &str,
    port: u16,
    timeout: std::time::Duration,
) -> Option<String> {
    let offers = tokio::time::timeout(timeout, starttls_offered(host, port))
        .await
        .ok()?
        .ok()?;
    Some(match (offers, loopback(host)) {
        (true, _) => "it offers STARTTLS: set tls = \"starttls\"".into(),
        (false, true) => "it speaks no TLS at all; on this machine that is allowed: set tls = \"none\"".into(),
        (false, false) => "it speaks no TLS at all, and mail to another machine is only sent over TLS: use your provider's TLS port (465 for implicit TLS, or 587 with tls = \"starttls\")".into(),
    })
}

/// Whether `host:port`, asked in plain text, lists STARTTLS in its `EHLO` answer.
async fn starttls_offered(host: &str, port: u16) -> std::io::Result<bool> {
    let stream = TcpStream::connect((host, port)).await?;
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    // The greeting: `220 ...`, possibly over several lines.
    while let Some(line) = lines.next_line().await? {
        if !line.starts_with("220") {
            return Ok(false);
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            break;
        }
    }
    write.write_all(b"EHLO creditwatch\r\n").await?;
    let mut offered = false;
    while let Some(line) = lines.next_line().await? {
        offered |= line
            .get(4..)
            .is_some_and(|e| e.trim().eq_ignore_ascii_case("STARTTLS"));
        if line.as_bytes().get(3) != Some(&b'-') {
            break;
        }
    }
    // A courtesy: the answer is already known, whatever the server makes of it.
    let _ = write.write_all(b"QUIT\r\n").await;
    Ok(offered)
}

/// Whether `host` names this machine.
fn loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
