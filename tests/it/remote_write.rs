//! The remote-write queue against a real HTTP server on loopback: the protocol's headers,
//! pushes kept in order while the receiver is down, the bound on what waits, a rejected
//! push dropped, and a token written nowhere.

use crate::support::http::{Answer, Request, Server};
use creditwatch::config::Config;
use creditwatch::remote_write::Batch;
use creditwatch::remote_write::encode::Series;
use creditwatch::remote_write::queue::{MAX_WAITING, Pushed, Queue};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

const TOKEN: &str = "rw_CANARY-bearer-token-0000000000";

/// A queue to `server` with a bearer token from a 0600 file in `dir` (a file, not an
/// environment variable: setting one while other test threads read the environment is
/// undefined behaviour).
fn queue(server: &Server, dir: &Path) -> Queue {
    use std::os::unix::fs::PermissionsExt;
    let token = dir.join("token");
    std::fs::write(&token, TOKEN).unwrap();
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    let text = format!(
        "[metrics.remote_write]\nurl = \"{}/api/v1/write\"\nbearer_token_file = {:?}\ntimeout = \"5s\"\n",
        server.base_url,
        token.display().to_string()
    );
    let config = Config::parse(Path::new("config.toml"), &text).unwrap();
    Queue::new(config.remote_write.unwrap())
}

fn batch(at: i64) -> Batch {
    let s = Series {
        labels: vec![("__name__".into(), "creditwatch_test".into())],
        value: at as f64,
    };
    Batch::of(&[s], at).unwrap()
}

/// A server answering every request with the status in `status`.
fn answering(status: Arc<AtomicU16>) -> Server {
    Server::start(move |_: &Request| Answer::json(status.load(Ordering::SeqCst), "said so"))
}

/// The instants of the batches the server took, in order (each batch's one value).
fn taken(server: &Server) -> Vec<i64> {
    server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/write")
        .map(|r| {
            let raw = snap::raw::Decoder::new().decompress_vec(&r.body).unwrap();
            // The sample's double is the 8 bytes after its 0x09 key, near the end.
            let at = raw.len() - 8 - 1 - 6;
            f64::from_le_bytes(raw[at..at + 8].try_into().unwrap()) as i64
        })
        .collect()
}

#[tokio::test]
async fn pushes_wait_in_order_while_the_receiver_is_down_and_go_when_it_is_back() {
    let status = Arc::new(AtomicU16::new(503));
    let server = answering(status.clone());
    let dir = tempfile::tempdir().unwrap();
    let mut q = queue(&server, dir.path());
    q.add(batch(1_795_190_400));
    let failed = q.push().await;
    assert!(matches!(failed, Pushed::Failed { sent: 0, ref error } if error.contains("HTTP 503")));
    assert!(q.backoff().as_millis() <= 5_000 && q.failures == 1);
    q.add(batch(1_795_190_460));
    assert!(matches!(q.push().await, Pushed::Failed { sent: 0, .. }));
    assert_eq!(q.waiting(), 2);
    let wait = q.backoff().as_millis();
    assert!(
        (5_000..=10_000).contains(&wait) && q.failures == 2,
        "{wait} ms"
    );

    status.store(204, Ordering::SeqCst);
    assert_eq!(q.push().await, Pushed::Done { sent: 2 });
    assert_eq!(q.waiting(), 0);
    let seen = server.requests();
    let last = seen.last().unwrap();
    assert_eq!(last.header("content-encoding"), Some("snappy"));
    assert_eq!(last.header("content-type"), Some("application/x-protobuf"));
    assert_eq!(
        last.header("x-prometheus-remote-write-version"),
        Some("0.1.0")
    );
    assert_eq!(
        last.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    // The first batch was tried twice, then both went, oldest first.
    assert_eq!(
        taken(&server),
        [1_795_190_400, 1_795_190_400, 1_795_190_400, 1_795_190_460]
    );
}

#[tokio::test]
async fn what_waits_is_bounded_and_a_rejected_push_is_dropped_without_the_token() {
    let status = Arc::new(AtomicU16::new(401));
    let server = Server::start({
        let status = status.clone();
        move |r: &Request| {
            let code = status.load(Ordering::SeqCst);
            Answer::json(
                code,
                format!("no: {}", r.header("authorization").unwrap_or("")),
            )
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let mut q = queue(&server, dir.path());
    for i in 0..MAX_WAITING as i64 + 5 {
        q.add(batch(1_795_190_400 + i));
    }
    assert_eq!(
        (q.waiting(), q.dropped),
        (MAX_WAITING, 5),
        "the oldest made room"
    );
    let Pushed::Failed { error, .. } = q.push().await else {
        panic!("a refused token keeps the pushes waiting")
    };
    assert!(
        error.contains("HTTP 401") && !error.contains(TOKEN),
        "{error}"
    );
    assert_eq!(q.waiting(), MAX_WAITING);

    // A push the receiver rejects for what it holds is dropped, not retried forever.
    status.store(400, Ordering::SeqCst);
    assert_eq!(q.push().await, Pushed::Done { sent: 0 });
    assert_eq!((q.waiting(), q.dropped), (0, 5 + MAX_WAITING as u64));
    assert_eq!(
        taken(&server)[1],
        1_795_190_405,
        "the oldest kept went first"
    );
}

#[tokio::test]
async fn the_push_task_says_how_it_is_doing() {
    use creditwatch::remote_write::{Health, Order, run};
    for (status, want_error) in [(503, true), (204, false)] {
        let server = answering(Arc::new(AtomicU16::new(status)));
        let config = {
            let q = format!(
                "[metrics.remote_write]\nurl = \"{}/api/v1/write\"\n",
                server.base_url
            );
            Config::parse(Path::new("config.toml"), &q)
                .unwrap()
                .remote_write
                .unwrap()
        };
        let (orders, taken) = tokio::sync::mpsc::unbounded_channel();
        let (told, mut health) = tokio::sync::watch::channel(Health::default());
        let task = tokio::spawn(run(config, taken, told));
        orders.send(Order::Send(batch(1_795_190_400))).unwrap();
        health.changed().await.unwrap();
        let h = health.borrow().clone();
        if want_error {
            assert_eq!((h.pushed, h.waiting, h.last_pushed_at), (0, 1, None));
            assert!(h.last_error.unwrap().contains("HTTP 503"));
        } else {
            assert_eq!((h.pushed, h.waiting), (1, 0));
            assert_eq!(
                (h.last_pushed_at, h.last_error),
                (Some(1_795_190_400), None)
            );
        }
        drop(orders);
        task.await.unwrap();
    }
}
