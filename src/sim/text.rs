//! Text folding for the simulator's search and the demo shop: lower case, Latin accents removed,
//! words split and crudely singularised, so `Tênis`, `tenis` and `TENIS` are one token and
//! `camisas` finds `Camisa`.

/// `s` in lower case with the accents of Portuguese, Spanish and French letters removed.
///
/// Hand-written for the Latin-1 letters a fashion catalog uses; other characters are only
/// lower-cased. (No Unicode normalisation crate is a dependency, and this is all search needs.)
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            'ý' | 'ÿ' => 'y',
            other => other,
        })
        .collect()
}

/// The words of `s`, folded and singularised (a trailing `s` dropped from words of four letters
/// or more, applied alike to queries and product text, so both sides meet).
pub fn tokens(s: &str) -> Vec<String> {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            if w.len() >= 4 && w.ends_with('s') {
                w[..w.len() - 1].to_owned()
            } else {
                w.to_owned()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_and_case() {
        assert_eq!(fold("Tênis Calça AÇÃO"), "tenis calca acao");
    }

    #[test]
    fn tokens_split_and_singularise() {
        assert_eq!(
            tokens("Camisas  azul-marinho, Tênis"),
            ["camisa", "azul", "marinho", "teni"]
        );
        assert_eq!(tokens("gás"), ["gas"]);
    }
}
