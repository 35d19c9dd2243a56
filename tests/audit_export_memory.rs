//! The audit log's export streams: exporting 100,000 events holds a bounded amount of memory,
//! measured by counting the heap this test process has allocated (its own binary, so the
//! counting allocator sees nothing but this test).

mod common;

use common::TestApp;
use http::StatusCode;
use http_body_util::BodyExt;
use roster::server::db::{self, bulk, sql::Value};
use std::{
    alloc::{GlobalAlloc, Layout, System},
    sync::atomic::{AtomicUsize, Ordering::Relaxed},
};

/// The system allocator, counting the bytes live now and the most live at once.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(live, Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

const EVENTS: i64 = 100_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exporting_100000_events_streams_them_in_bounded_memory() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let company = app.company_of(&c.owner_email).await;
    let owner = app.user_id(&c.owner_email).await;
    let now = db::now_ms();
    let rows: Vec<Vec<Value>> = (0..EVENTS)
        .map(|n| {
            vec![
                Value::Int(company),
                Value::Int(owner),
                Value::Text("Olivia Owner".into()),
                Value::Text("team.created".into()),
                Value::Text(format!("Team number {n} of the export test")),
                Value::Text(format!("{{\"name\":\"Team number {n}\"}}")),
                Value::Int(now - EVENTS + n),
                Value::Text("192.0.2.1".into()),
            ]
        })
        .collect();
    let (_, mut tx) = db::begin_write(&app.state.db).await.unwrap();
    bulk::insert_rows(
        &mut tx,
        "audit_events (company_id, actor_id, actor_name, action, target_label, after_json, created_at, ip)",
        rows,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let response = app
        .open("/api/audit/export?format=csv", &[("cookie", c.owner.as_str())])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let start = LIVE.load(Relaxed);
    PEAK.store(start, Relaxed);
    let (mut bytes, mut lines) = (0usize, 0usize);
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            bytes += data.len();
            lines += data.iter().filter(|b| **b == b'\n').count();
        }
    }
    let peak = PEAK.load(Relaxed) - start;
    eprintln!(
        "exported {lines} lines, {:.1} MB; the heap grew by at most {:.1} MB while streaming",
        bytes as f64 / 1e6,
        peak as f64 / 1e6
    );
    assert!(lines as i64 > EVENTS, "every event and the header: {lines}");
    // Holding the export would take at least its size; streaming holds a few pages of it.
    assert!(
        peak < bytes / 4,
        "the heap grew by {peak} bytes for an export of {bytes} bytes"
    );
    assert!(peak < 8_000_000, "the heap grew by {peak} bytes");
}
