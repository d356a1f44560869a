//! Issue 13 (P3-a, P2-a): the school's own catalogue, over the real binary
//! and a real temp store.

mod common;
use common::*;

/// The seed as `catalogue export` writes it, with two locations of the
/// school's own: a forest school (not restricted) and a changing room
/// (restricted, P3-a).
fn school_file(env: &Env, school: &School) -> std::path::PathBuf {
    let file = env.path("catalogue.toml");
    ok(env.casebook(&school.dsl).args(["catalogue", "export", "--out"]).arg(&file));
    let mut text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("[[locations]]"));
    text.push_str(
        "\n[[locations]]\nid = \"forest-school\"\nlabel = \"Forest school\"\nrestricted = false\n\n\
         [[locations]]\nid = \"changing-room\"\nlabel = \"Changing room\"\nrestricted = true\n",
    );
    let own = env.path("own.toml");
    std::fs::write(&own, text).unwrap();
    own
}

fn concern_at(location: &str) -> Vec<String> {
    let mut args = concern_args("child:Pupil Fictional Wren:Year 5", "A phone was used in the changing room.");
    let at = args.iter().position(|a| a == "--location").unwrap();
    args[at + 1] = location.into();
    args
}

#[test]
fn p3a_the_school_sets_its_own_locations_and_every_form_offers_them() {
    let env = Env::new();
    let school = env.school();
    // Before: the seed has no changing room.
    let err = fails(env.casebook(&school.reporter).args(concern_at("changing-room")));
    assert!(err.contains("changing-room"), "{err}");
    let own = school_file(&env, &school);
    let err = fails(env.casebook(&school.deputy).args(["catalogue", "set"]).arg(&own));
    assert!(err.contains("cannot set the school's catalogue"), "{err}");
    let said = ok(env.casebook(&school.dsl).args(["catalogue", "set"]).arg(&own));
    assert!(said.starts_with("Set the school's catalogue:") && said.contains("restricted"), "{said}");
    // Every member reads it (the reporter's form offers it), sealed to the Directory class.
    for who in [&school.reporter, &school.leadership, &school.deputy] {
        let shown = ok(env.casebook(who).args(["catalogue", "show"]));
        assert!(shown.contains("changing-room") && shown.contains("Changing room [restricted]"), "{shown}");
    }
    let recorded = ok(env.casebook(&school.reporter).args(concern_at("changing-room")));
    let reference = recorded.trim().lines().last().unwrap().trim_start_matches("Recorded ").trim_end_matches('.');
    let shown = ok(env.casebook(&school.dsl).args(["show", reference]));
    assert!(shown.contains("Changing room"), "{shown}");
    // The export gives back the school's own file.
    let again = env.path("again.toml");
    ok(env.casebook(&school.dsl).args(["catalogue", "export", "--out"]).arg(&again));
    assert_eq!(std::fs::read_to_string(&again).unwrap(), std::fs::read_to_string(&own).unwrap());
    ok(env.casebook(&school.dsl).arg("verify"));
}

#[test]
fn p3a_a_bad_catalogue_file_names_its_line_and_changes_nothing() {
    let env = Env::new();
    let school = env.school();
    let own = school_file(&env, &school);
    let text = std::fs::read_to_string(&own).unwrap();
    // A restricted flag that is not true or false.
    let bad = text.replace("restricted = true\n", "restricted = sometimes\n");
    let line = bad.lines().position(|l| l.contains("sometimes")).unwrap() + 1;
    std::fs::write(&own, &bad).unwrap();
    let err = fails(env.casebook(&school.dsl).args(["catalogue", "set"]).arg(&own));
    assert!(err.contains(&format!("catalogue, line {line}:")) && err.contains("nothing was changed"), "{err}");
    // A category naming a policy the file does not have.
    let bad = text.replacen("default_policy = \"behaviour\"", "default_policy = \"nonesuch\"", 1);
    let line = bad.lines().position(|l| l.contains("nonesuch")).unwrap() + 1;
    std::fs::write(&own, &bad).unwrap();
    let err = fails(env.casebook(&school.dsl).args(["catalogue", "set"]).arg(&own));
    assert!(err.contains(&format!("catalogue, line {line}: category")), "{err}");
    // Nothing changed: still the seed.
    let shown = ok(env.casebook(&school.reporter).args(["catalogue", "show"]));
    assert!(!shown.contains("changing-room"), "{shown}");
    fails(env.casebook(&school.reporter).args(concern_at("changing-room")));
}

#[test]
fn p2a_leaderships_figures_group_by_linked_policy() {
    let env = Env::new();
    let school = env.school();
    add_concern(&env, &school.reporter, "child:Pupil Fictional Wren:Year 5", "One.");
    add_concern(&env, &school.reporter, "child:Pupil Fictional Finch:Year 5", "Two.");
    ok(env.casebook(&school.dsl).arg("list"));
    let figures = ok(env.casebook(&school.leadership).arg("figures"));
    let section = figures.split("by linked policy (each category's, P2-a):").nth(1).expect(&figures);
    // restricted-area concerns are handled under the behaviour policy in the seed.
    assert!(section.lines().any(|l| l.trim() == "2  Behaviour policy"), "{figures}");
}
