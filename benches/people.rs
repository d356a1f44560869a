//! A child's whole record at school sizes (issue 12): find-as-you-type
//! over 10,000 pupils (and their parents/carers), and a person's view with
//! every concern naming them and one merged chronology, on a store of
//! 100,000 concerns. A bench command, not criterion: it reports medians
//! and the 99th percentile, which is what a DSL feels per keystroke.
//!
//! `cargo bench --bench people` runs at 10,000 concerns and a roll of
//! 10,000 pupils; `CASEBOOK_BENCH_SIZES=100000` runs at 100,000 concerns
//! (generating that store takes a quarter of an hour on two cores).

use std::time::{Duration, Instant};

use casebook::domain::person::PersonQuery;
use casebook::domain::{PersonId, SubjectKind};

fn now() -> chrono::NaiveDateTime {
    chrono::Local::now().naive_local()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let pick = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    format!("median {:>7.2} ms   p99 {:>7.2} ms   (n={})", ms(pick(0.5)), ms(pick(0.99)), samples.len())
}

const ROLL: usize = 10_000;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let sizes = std::env::var("CASEBOOK_BENCH_SIZES").unwrap_or_else(|_| "10000".into());
    for n in sizes.split(',').filter_map(|s| s.trim().parse::<usize>().ok()) {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("store");
        let started = Instant::now();
        let (mut session, _) = casebook::demo::create(&dir).expect("demo store");
        session.board().expect("board");
        casebook::demo::populate(&mut session, n, now(), 2024).expect("populate");
        eprintln!("generated {n} concerns in {:.1} s", started.elapsed().as_secs_f64());
        let started = Instant::now();
        casebook::demo::populate_people(&mut session, ROLL, now(), 2024).expect("people");
        eprintln!("enrolled {ROLL} pupils and linked the concerns in {:.1} s", started.elapsed().as_secs_f64());

        // A fresh session, as a DSL opening casebook.
        let key = casebook::store::identity::load(&dir.join("demo-keys/dsl.txt"), &mut || None).unwrap();
        drop(session);
        let mut s = casebook::store::Store::open(&dir).unwrap().unlock(key).unwrap();
        let t = Instant::now();
        let people = s.people().unwrap().into_items();
        let first_load = t.elapsed();
        let children = people.iter().filter(|p| p.kind == SubjectKind::Child).count();
        println!("\n{n} concerns, {} people ({children} children)", people.len());
        println!("people index, first load (decrypt)        {:>7.2} ms", ms(first_load));
        let mut reloads = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            s.people().unwrap();
            reloads.push(t.elapsed());
        }
        println!("people index, reload (nothing moved)      {}", summary(reloads));

        // Each keystroke of a name typed into the concern form: the form
        // holds the list and searches it in memory (tui: the subject field).
        let mut keys = Vec::new();
        for p in people.iter().step_by(people.len() / 40 + 1).take(40) {
            let typed: Vec<char> = p.name.chars().collect();
            for end in 1..=typed.len() {
                let text: String = typed[..end].iter().collect();
                let t = Instant::now();
                let hits = PersonQuery::new(&text).search(&people, 6);
                keys.push(t.elapsed());
                std::hint::black_box(hits);
            }
        }
        println!("find as you type, per keystroke           {}", summary(keys));

        // A person's view: everyone with concerns, busiest first, then a
        // spread of the rest (the board is loaded once, as the TUI has it).
        s.board().unwrap();
        let rows = s.board().unwrap().rows;
        let mut counts: std::collections::HashMap<PersonId, usize> = std::collections::HashMap::new();
        for r in &rows {
            for (p, _) in &r.people {
                *counts.entry(*p).or_default() += 1;
            }
        }
        let mut busiest: Vec<(PersonId, usize)> = counts.into_iter().collect();
        busiest.sort_by_key(|b| std::cmp::Reverse(b.1));
        let mut views = Vec::new();
        let mut most = 0;
        for (id, c) in busiest.iter().take(5).chain(busiest.iter().step_by(busiest.len() / 25 + 1).take(25)) {
            let t = Instant::now();
            let view = s.person_view(*id).unwrap();
            views.push(t.elapsed());
            most = most.max(*c);
            std::hint::black_box(view);
        }
        println!("a person's view (board loaded)            {}   busiest: {most} concerns", summary(views));
    }
}
