//! Many people, one store: what a write, a `show`, the first board frame and
//! a colleague's change cost at school sizes, embedded and through
//! `casebook serve` (issue 9). A bench command, not criterion: it reports
//! medians and the 99th percentile of latencies, which is what a DSL feels.
//!
//! `cargo bench --bench store` runs at 10,000 concerns;
//! `CASEBOOK_BENCH_SIZES=10000,100000 cargo bench --bench store` adds
//! 100,000 (generating that store takes a few minutes). To reuse a store,
//! `CASEBOOK_BENCH_STORE=DIR` (made by `casebook demo --concerns N --store
//! DIR --keep --no-open`) measures that one instead.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use casebook::domain::EntryKind;
use casebook::store::{Session, Store, identity};

fn now() -> chrono::NaiveDateTime {
    chrono::Local::now().naive_local()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median and 99th percentile, in milliseconds.
fn summary(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let pick = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    format!("median {:>7.2} ms   p99 {:>7.2} ms   (n={})", ms(pick(0.5)), ms(pick(0.99)), samples.len())
}

fn generate(n: usize) -> (PathBuf, tempfile::TempDir) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("store");
    let started = Instant::now();
    let (mut session, _) = casebook::demo::create(&dir).expect("demo store");
    // With the (empty) board loaded, each write re-seals its index shard
    // from memory instead of reading it back first.
    session.board().expect("board");
    casebook::demo::populate(&mut session, n, now(), 2024).expect("populate");
    session.board().expect("index");
    eprintln!("generated {n} concerns in {:.1} s", started.elapsed().as_secs_f64());
    (dir, tmp)
}

type Opener<'a> = &'a dyn Fn() -> Session;

fn measure(label: &str, open: Opener, refs: &[(u32, String)]) {
    // A follow-up with the board open, as the TUI writes it.
    let mut session = open();
    session.board().unwrap();
    let mut writes = Vec::new();
    for i in 0..300 {
        let (id, _) = &refs[(i * 7919) % refs.len()];
        let t = Instant::now();
        session.add_entry(*id, EntryKind::FollowUp, now(), "Spoke to the class teacher; no change.", now()).unwrap();
        writes.push(t.elapsed());
    }
    println!("{label:<9} write (follow-up, board open)   {}", summary(writes));

    // `casebook show REF`: open, unlock, find one concern, decrypt it.
    let mut shows = Vec::new();
    for i in 0..30 {
        let (_, reference) = &refs[(i * 104_729) % refs.len()];
        let t = Instant::now();
        let mut s = open();
        let id = s.find(reference).unwrap();
        s.case(id).unwrap();
        shows.push(t.elapsed());
    }
    println!("{label:<9} show one concern (fresh open)   {}", summary(shows));

    // The first frame of the board: open, unlock, load the board, draw.
    let mut frames = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let mut app = casebook::tui::App::new(
            open(),
            casebook::tui::Options::default(),
            casebook::tui::keymap::KeyMap::default(),
            casebook::tui::theme::Theme { color: true },
        );
        // The board comes from the engine's thread (issue 9): the frame
        // that shows it, not the "loading" one before it.
        app.wait_idle();
        let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
        terminal.draw(|f| casebook::tui::ui::draw(f, &mut app)).unwrap();
        frames.push(t.elapsed());
    }
    println!("{label:<9} first board frame (80x24)       {}", summary(frames));

    // A colleague's write reaching another open session's board.
    let mut watcher = open();
    watcher.board().unwrap();
    let backend: Arc<dyn casebook::store::Backend> = watcher.backend().clone();
    let mut reach = Vec::new();
    for i in 0..30 {
        let (id, reference) = refs[(i * 31) % refs.len()].clone();
        let seen = backend.changes().unwrap();
        let before = watcher.board().unwrap().rows.iter().find(|r| r.reference == reference).unwrap().revision;
        let start = Instant::now();
        session.add_entry(id, EntryKind::FollowUp, now(), "Parents informed by phone.", now()).unwrap();
        backend.wait_change(seen, Duration::from_secs(5)).unwrap();
        let row = watcher.board().unwrap().rows.into_iter().find(|r| r.reference == reference).unwrap();
        assert!(row.revision > before, "the watcher's board shows the change");
        reach.push(start.elapsed());
    }
    println!("{label:<9} change reaches another board    {}", summary(reach));
}

fn run(dir: &Path) {
    let key = identity::load(&dir.join("demo-keys/dsl.txt"), &mut || None).expect("demo key");
    let key_text = identity::keygen_text(&key);
    let deputy_text = identity::keygen_text(&identity::load(&dir.join("demo-keys/deputy.txt"), &mut || None).unwrap());
    let refs: Vec<(u32, String)> = {
        let mut s = Store::open(dir).unwrap().unlock(identity::parse(&key_text, "bench").unwrap()).unwrap();
        let rows = s.board().unwrap().rows;
        println!("\n{} concerns", rows.len());
        // Follow-ups go to open concerns (a closed one is reopened first).
        rows.into_iter().filter(|r| r.status.is_open()).map(|r| (r.id, r.reference)).collect()
    };
    {
        // Embedded: one process holds sled, so every session here shares it
        // (`show` below then leaves out sled's own open, 5-15 ms; time the
        // real `casebook show` as a process for that).
        let shared = Arc::new(casebook::store::backend::SledBackend::open(dir).unwrap());
        let same = || Store::with_backend(shared.clone()).unlock(identity::parse(&key_text, "bench").unwrap()).unwrap();
        measure("embedded", &same, &refs);
    }
    let socket = dir.parent().unwrap().join("bench.sock");
    let options = casebook::server::ServeOptions {
        store: dir.to_path_buf(),
        socket: socket.clone(),
        mode: 0o600,
        backups: None,
        notify: None,
    };
    std::thread::spawn(move || casebook::server::serve(&options, || ()).expect("serve"));
    while !casebook::server::listening(&socket) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let served = || Store::connect(&socket).unwrap().unlock(identity::parse(&deputy_text, "bench").unwrap()).unwrap();
    measure("served", &served, &refs);
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing
    // of ours either: run the real thing only under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    if let Some(dir) = std::env::var_os("CASEBOOK_BENCH_STORE") {
        run(Path::new(&dir));
        return;
    }
    let sizes = std::env::var("CASEBOOK_BENCH_SIZES").unwrap_or_else(|_| "10000".into());
    for n in sizes.split(',').filter_map(|s| s.trim().parse::<usize>().ok()) {
        let (dir, _tmp) = generate(n);
        run(&dir);
    }
}
