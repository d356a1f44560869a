//! The policy's procedures at school sizes (issue 13): the Today list
//! (every open concern's deadlines in working days, devices held, approvals
//! expiring), the custody register and the referral list, on a store of
//! 10,000 concerns with a device confiscated on one concern in ten (a
//! third of them still held) and a referral or contact on one in four. A
//! bench command, not criterion: medians and the 99th percentile.
//!
//! `cargo bench --bench procedures`; `CASEBOOK_BENCH_SIZES=100000` for
//! 100,000 concerns (generating it takes a quarter of an hour on two
//! cores); `CASEBOOK_BENCH_STORE=DIR` keeps the generated store there (one
//! size), or measures the one already there.

use std::time::{Duration, Instant};

use casebook::domain::{NewCustody, NewReferral, ReferralKind};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let pick = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    format!("median {:>8.2} ms   p99 {:>8.2} ms   (n={})", ms(pick(0.5)), ms(pick(0.99)), samples.len())
}

fn times(n: usize, mut f: impl FnMut()) -> String {
    summary(
        (0..n)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let now = chrono::Local::now().naive_local();
    let sizes = std::env::var("CASEBOOK_BENCH_SIZES").unwrap_or_else(|_| "10000".into());
    for n in sizes.split(',').filter_map(|s| s.trim().parse::<usize>().ok()) {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = std::env::var_os("CASEBOOK_BENCH_STORE")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| tmp.path().join("store"));
        if !casebook::store::Store::exists(&dir) {
            let started = Instant::now();
            let (mut session, _) = casebook::demo::create(&dir).expect("demo store");
            casebook::demo::populate(&mut session, n, now, 2024).expect("populate");
            eprintln!("generated {n} concerns in {:.1} s", started.elapsed().as_secs_f64());
            let started = Instant::now();
            let rows = session.board().expect("board").rows;
            let open: Vec<_> = rows.iter().filter(|r| r.status.is_open()).map(|r| (r.id, r.reported_at)).collect();
            let (mut devices, mut referrals) = (0, 0);
            for (i, (id, reported)) in open.iter().enumerate() {
                if i % 10 == 0 {
                    let new = NewCustody {
                        device: "mobile-phone".into(),
                        description: String::new(),
                        owner: "Pupil Fictional Bench".into(),
                        owner_person: None,
                        confiscated_by: String::new(),
                        confiscated_at: *reported,
                        reason: "Bench: a fictional confiscation.".into(),
                        held_at: String::new(),
                    };
                    let device = session.confiscate(*id, new, now).expect("confiscate");
                    devices += 1;
                    if i % 30 != 0 {
                        let back = casebook::domain::NewCustodyEvent {
                            at: *reported,
                            change: casebook::domain::CustodyMove::Returned {
                                released_by: "Ms Fictional Office".into(),
                                collected_by: "Mrs Fictional Carer".into(),
                                signature: true,
                            },
                            note: String::new(),
                            corrects: None,
                        };
                        session.custody_event(device.id, back, now).expect("return");
                    }
                }
                if i % 4 == 0 {
                    let mut new = NewReferral::of(ReferralKind::EarlyHelp, reported.date());
                    new.follow_up = Some(reported.date() + chrono::Duration::days((i % 21) as i64));
                    session.record_referral(*id, new, now).expect("referral");
                    referrals += 1;
                }
            }
            eprintln!(
                "recorded {devices} devices and {referrals} referrals on {} open concerns in {:.1} s",
                open.len(),
                started.elapsed().as_secs_f64()
            );
        }

        // A fresh session, as the DSL opening casebook.
        let key = casebook::store::identity::load(&dir.join("demo-keys/dsl.txt"), &mut || None).unwrap();
        let mut s = casebook::store::Store::open(&dir).unwrap().unlock(key).unwrap();
        let t = Instant::now();
        let first = s.today(now.date()).unwrap().into_items();
        println!("\n{n} concerns: Today lists {} items", first.len());
        println!("Today, first (board and every record decrypted)  {:>8.2} ms", ms(t.elapsed()));
        println!(
            "Today, again (`casebook today`'s work)           {}",
            times(20, || {
                s.today(now.date()).unwrap();
            })
        );
        // Where Today's time goes: each of what it reads, again.
        println!(
            "  of which the board                              {}",
            times(5, || {
                s.board().unwrap();
            })
        );
        println!(
            "  of which past retention (S-d)                   {}",
            times(5, || {
                s.past_retention(now.date()).unwrap();
            })
        );
        println!(
            "  of which the registers                          {}",
            times(5, || {
                s.register_entries().unwrap();
            })
        );
        let register = s.custody_register().unwrap().into_items();
        println!(
            "custody register ({} devices, {} held)           {}",
            register.len(),
            register.iter().filter(|c| c.is_held()).count(),
            times(20, || {
                s.custody_register().unwrap();
            })
        );
        let referrals = s.all_referrals().unwrap().into_items();
        println!(
            "every referral ({})                              {}",
            referrals.len(),
            times(20, || {
                s.all_referrals().unwrap();
            })
        );
    }
}
