//! How fast the DSL's board appears on a school-sized store.
//!
//! `cargo bench --bench board` generates 10,000 fictional concerns (about
//! 2 KB each) in a temp dir, or uses CASEBOOK_BENCH_STORE=DIR made by
//! `casebook demo --concerns 10000 --store DIR --keep --no-open`, then
//! times: opening the store, unlocking it and loading the board (what
//! `casebook` does before the first frame); the same plus the JSON that
//! `casebook list --json` prints; and one full render of the board.

use std::path::{Path, PathBuf};
use std::time::Instant;

use casebook::store::{Store, identity};
use criterion::{Criterion, criterion_group, criterion_main};

fn store_dir() -> (PathBuf, Option<tempfile::TempDir>) {
    if let Some(dir) = std::env::var_os("CASEBOOK_BENCH_STORE") {
        return (PathBuf::from(dir), None);
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("store");
    let started = Instant::now();
    let (mut session, _) = casebook::demo::create(&dir).expect("demo store");
    casebook::demo::populate(&mut session, 10_000, chrono::Local::now().naive_local(), 2024).expect("populate");
    session.board().expect("index");
    drop(session);
    eprintln!("generated 10,000 concerns in {:.1} s", started.elapsed().as_secs_f64());
    (dir, Some(tmp))
}

fn record_sizes(dir: &Path) {
    let db = sled::open(dir).expect("raw open");
    let tree = db.open_tree("cases").unwrap();
    let (n, total) = tree.iter().values().fold((0usize, 0usize), |(n, t), v| (n + 1, t + v.unwrap().len()));
    eprintln!("{n} case records, mean {} bytes sealed", total / n.max(1));
}

fn bench(c: &mut Criterion) {
    let (dir, _keep) = store_dir();
    record_sizes(&dir);
    let key = identity::load(&dir.join("demo-keys/dsl.txt"), &mut || None).expect("demo key");
    let key_text = identity::keygen_text(&key);
    let mut group = c.benchmark_group("10k concerns");
    group.sample_size(20);
    group.bench_function("open + unlock + board", |b| {
        b.iter(|| {
            let id = identity::parse(&key_text, "bench").unwrap();
            let mut session = Store::open(&dir).unwrap().unlock(id).unwrap();
            let board = session.board().unwrap();
            assert_eq!(board.rows.len(), 10_000);
        })
    });
    group.bench_function("open + unlock + board + list JSON", |b| {
        b.iter(|| {
            let id = identity::parse(&key_text, "bench").unwrap();
            let mut session = Store::open(&dir).unwrap().unlock(id).unwrap();
            let board = session.board().unwrap();
            serde_json::to_vec(&board.rows).unwrap().len()
        })
    });
    let id = identity::parse(&key_text, "bench").unwrap();
    let session = Store::open(&dir).unwrap().unlock(id).unwrap();
    let mut app = casebook::tui::App::new(
        session,
        casebook::tui::Options { demo: true, ..Default::default() },
        casebook::tui::keymap::KeyMap::default(),
        casebook::tui::theme::Theme { color: true },
    );
    // The board comes from the engine's thread (issue 9).
    app.wait_idle();
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    group.bench_function("render board 120x40", |b| {
        b.iter(|| {
            terminal.draw(|f| casebook::tui::ui::draw(f, &mut app)).unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
