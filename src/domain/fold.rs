//! Text as people search and check it: case and diacritics folded away, so
//! "zoe" finds "Zoë", "odegard" finds "Ødegård", "lukasz" finds "Łukasz"
//! (issue 8). One function, used by the TUI's search (both the index and
//! the query) and by the name check before leadership reads a text (P9-e).

/// Folds `text` to lower-case ASCII: diacritics dropped (é→e, ø→o, ł→l),
/// ligatures spelled out (ß→ss, æ→ae), other scripts transliterated.
/// deunicode does the transliteration from its maintained tables rather
/// than a hand-made list; characters it has no spelling for become "[?]".
pub fn fold(text: &str) -> String {
    deunicode::deunicode(text).to_lowercase()
}

/// [`fold`], keeping the case of each letter: the name check needs to know
/// whether a word was written with a capital.
pub fn fold_keep_case(text: &str) -> String {
    deunicode::deunicode(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_diacritics_fold_away() {
        assert_eq!(fold("Zoë Ødegård"), "zoe odegard");
        assert_eq!(fold("Łukasz"), "lukasz");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Émile Brontë-Æsir"), "emile bronte-aesir");
        assert_eq!(fold("Siobhán Ó Súilleabháin"), "siobhan o suilleabhain");
        assert_eq!(fold("C-2026-0001 plain"), "c-2026-0001 plain");
        assert_eq!(fold_keep_case("Zoë"), "Zoe");
    }
}
