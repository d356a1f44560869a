//! P9-e: the name check before leadership reads a text. Debriefs, actions,
//! their evidence and policy notes are read by leadership, who may never
//! read case details; before one is saved, the form warns of any subject's
//! name it holds ([`names_mentioned`]).

/// Words that are part of how names are written in casebook but identify
/// nobody on their own ("Mr", "Pupil", "the Example family"): a name part
/// is only checked alone when it is not one of these.
const NOT_IDENTIFYING: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "sir",
    "prof",
    "rev",
    "pupil",
    "child",
    "staff",
    "visitor",
    "parent",
    "carer",
    "teacher",
    "the",
    "and",
    "of",
    "family",
    "mum",
    "dad",
    "mother",
    "father",
    "parents",
    "carers",
    "brother",
    "sister",
    "son",
    "daughter",
    "grandmother",
    "grandfather",
    "grandma",
    "grandad",
    "grandparent",
    "grandparents",
    "aunt",
    "uncle",
    "cousin",
    "guardian",
    "foster",
    "step",
    "household",
    "twins",
    "unknown",
    "unnamed",
    "year",
    "class",
    "boy",
    "girl",
    "pupils",
    "children",
    "student",
    "students",
    "adult",
    "group",
    "older",
    "younger",
    "friend",
    "friends",
    "neighbour",
    "partner",
];

/// Ordinary English words that are also given names or surnames ("Will",
/// "May", "Rose", "Green"). Alone, such a part counts only when the text
/// writes it with a capital, as names are written: "staff will be briefed"
/// names nobody, "Will was upset" may. The whole name matches regardless.
const ORDINARY_WORDS: &[&str] = &[
    "will", "may", "mark", "hope", "grace", "rose", "bill", "june", "april", "august", "summer", "autumn", "faith",
    "joy", "dawn", "rich", "pat", "sue", "sunny", "ray", "guy", "don", "art", "miles", "frank", "jack", "pearl",
    "ruby", "amber", "ivy", "holly", "daisy", "lily", "heather", "iris", "poppy", "violet", "hazel", "olive", "sky",
    "river", "storm", "brook", "bay", "star", "king", "young", "green", "brown", "white", "black", "grey", "gray",
    "baker", "cook", "smith", "wood", "hill", "hall", "bell", "fox", "bird", "lamb", "cross", "bush", "field", "page",
    "price", "long", "short", "little", "gold", "stone", "wall", "walker", "turner", "miller", "hunter", "porter",
    "parker", "wells", "banks", "chase", "lane", "marsh", "moss", "reed", "sharp", "ward", "west", "north", "south",
    "east", "day", "knight", "sweet", "love", "best", "chance", "patience", "honour", "liberty", "harmony", "crystal",
    "jade", "ash", "rowan", "willow", "forest", "dale", "glen", "cliff", "drew", "sandy",
];

/// A word of a text as the name check sees it: folded (accent-blind,
/// lower case) and whether it was written with a capital.
struct Word {
    folded: String,
    capital: bool,
}

fn words(text: &str) -> Vec<Word> {
    super::fold::fold_keep_case(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| Word { folded: w.to_lowercase(), capital: w.starts_with(|c: char| c.is_uppercase()) })
        .collect()
}

/// P9-e: which of `names` appear in `text`, so a form can warn before
/// leadership reads a subject's name. Accent- and case-blind and
/// whole-word (issue 8): "Zed" matches "zed's" but not "Zedekiah", and
/// "Lukasz" matches "Łukasz". A whole name matches across any spacing or
/// punctuation; each distinctive part of a name (three letters or more,
/// not a title or a word such as "family") matches alone too, since a
/// first name by itself can identify a child; a part that is also an
/// ordinary word ("Will") only when written with a capital. Returns the
/// names as given, once each, in the order given.
pub fn names_mentioned(text: &str, names: &[String]) -> Vec<String> {
    let text_words = words(text);
    let contains_run = |run: &[Word]| {
        !run.is_empty() && text_words.windows(run.len()).any(|w| w.iter().zip(run).all(|(a, b)| a.folded == b.folded))
    };
    let alone = |part: &Word| {
        let p = part.folded.as_str();
        p.chars().count() >= 3
            && !NOT_IDENTIFYING.contains(&p)
            && text_words.iter().any(|w| w.folded == p && (w.capital || !ORDINARY_WORDS.contains(&p)))
    };
    let mut found: Vec<String> = Vec::new();
    for name in names {
        let parts = words(name);
        let hit = contains_run(&parts) || parts.iter().any(alone);
        if hit && !found.iter().any(|f| f == name) {
            found.push(name.clone());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_case_insensitively_as_whole_words() {
        let names: Vec<String> =
            ["Pupil Quorra Vantablack", "Zed Ambersley", "Mr Al Bo"].into_iter().map(String::from).collect();
        // The whole name across a line break, in another case.
        assert_eq!(names_mentioned("it was pupil QUORRA\nvantablack", &names), vec!["Pupil Quorra Vantablack"]);
        // A distinctive part alone, with a possessive.
        assert_eq!(names_mentioned("Zed's phone was taken.", &names), vec!["Zed Ambersley"]);
        // Not inside another word, and titles or "pupil" alone identify nobody.
        assert!(names_mentioned("Zedekiah and the pupil; Mr Smith.", &names).is_empty());
        // Short parts only count as the whole name.
        assert!(names_mentioned("Al went to Bo.", &names).is_empty());
        assert_eq!(names_mentioned("mr al bo", &names), vec!["Mr Al Bo"]);
        // Each name once, in the order given.
        assert_eq!(
            names_mentioned("Ambersley, Vantablack, Zed", &names),
            vec!["Pupil Quorra Vantablack", "Zed Ambersley"]
        );
    }

    #[test]
    fn names_are_found_accent_blind_and_not_in_ordinary_words() {
        // Issue 8 items 5 and 10.
        let names: Vec<String> =
            ["Zoë Ødegård", "The Łukasz family", "Will Rose"].into_iter().map(String::from).collect();
        assert_eq!(names_mentioned("Check Zoe Odegard's phone.", &names), vec!["Zoë Ødegård"]);
        assert_eq!(names_mentioned("odegard again", &names), vec!["Zoë Ødegård"]);
        assert_eq!(names_mentioned("Ring LUKASZ.", &names), vec!["The Łukasz family"]);
        assert_eq!(names_mentioned("Łukasz rang.", &names), vec!["The Łukasz family"]);
        // "family", "the", and ordinary words in lower case name nobody.
        assert!(names_mentioned("The family will be told; a rose bed.", &names).is_empty());
        // Written as a name, or whole, they do.
        assert_eq!(names_mentioned("Will was upset.", &names), vec!["Will Rose"]);
        assert_eq!(names_mentioned("told will rose", &names), vec!["Will Rose"]);
        assert!(names_mentioned("Zoetrope; Odegards", &names).is_empty(), "whole words only");
    }
}
