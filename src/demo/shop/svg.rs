//! Placeholder product images: a small SVG drawing of the product's kind (dress, trousers, top,
//! shoe, boot, sandal, bag, backpack, belt, sunglasses, hat, scarf, earrings, necklace; a plain
//! card for anything else) in the product's colour, with its name.
//!
//! The kind is read from the product's own words before its category's, so an accessories
//! category draws its bags, belts and sunglasses apart. Words are compared whole (folded and
//! singularised as search folds them), so `calçados` (shoes) is not taken for `calça`
//! (trousers).

use crate::sim::text::tokens;
use crate::sim::{Catalog, Product};

use super::pages::escape;

/// The product an image name (`P1001` or `P1001-back`, without `.svg`) shows, and whether it is
/// the back view. An exact id wins, so an id that itself ends in `-back` still works.
pub(super) fn lookup<'a>(catalog: &'a Catalog, name: &str) -> Option<(&'a Product, bool)> {
    if let Some(p) = catalog.product(name) {
        return Some((p, false));
    }
    let id = name.strip_suffix("-back")?;
    catalog.product(id).map(|p| (p, true))
}

/// What a placeholder draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Dress,
    Trousers,
    Top,
    Shoe,
    Boot,
    Sandal,
    Bag,
    Backpack,
    Belt,
    Sunglasses,
    Hat,
    Scarf,
    Earrings,
    Necklace,
    /// Nothing above: a plain card.
    Other,
}

/// Words (as [`tokens`] spells them: folded, a trailing `s` dropped from longer words) that name
/// a kind, in Portuguese and English.
const WORDS: &[(&str, Kind)] = &[
    ("vestido", Kind::Dress),
    ("dres", Kind::Dress),
    ("calca", Kind::Trousers),
    ("pant", Kind::Trousers),
    ("trouser", Kind::Trousers),
    ("jean", Kind::Trousers),
    ("legging", Kind::Trousers),
    ("camisa", Kind::Top),
    ("camiseta", Kind::Top),
    ("blusa", Kind::Top),
    ("regata", Kind::Top),
    ("shirt", Kind::Top),
    ("blouse", Kind::Top),
    ("top", Kind::Top),
    ("bota", Kind::Boot),
    ("boot", Kind::Boot),
    ("sandalia", Kind::Sandal),
    ("rasteira", Kind::Sandal),
    ("sandal", Kind::Sandal),
    ("teni", Kind::Shoe),
    ("sapato", Kind::Shoe),
    ("sapatilha", Kind::Shoe),
    ("scarpin", Kind::Shoe),
    ("mocassim", Kind::Shoe),
    ("mule", Kind::Shoe),
    ("calcado", Kind::Shoe),
    ("shoe", Kind::Shoe),
    ("sneaker", Kind::Shoe),
    ("footwear", Kind::Shoe),
    ("bolsa", Kind::Bag),
    ("clutch", Kind::Bag),
    ("bag", Kind::Bag),
    ("tote", Kind::Bag),
    ("mochila", Kind::Backpack),
    ("backpack", Kind::Backpack),
    ("cinto", Kind::Belt),
    ("belt", Kind::Belt),
    ("oculo", Kind::Sunglasses),
    ("sunglasse", Kind::Sunglasses),
    ("chapeu", Kind::Hat),
    ("hat", Kind::Hat),
    ("lenco", Kind::Scarf),
    ("scarf", Kind::Scarf),
    ("brinco", Kind::Earrings),
    ("earring", Kind::Earrings),
    ("colar", Kind::Necklace),
    ("necklace", Kind::Necklace),
];

/// The kind of a product: the first word of its name that names one, else of its tags, else of
/// its category's id and name.
pub(super) fn kind(catalog: &Catalog, p: &Product) -> Kind {
    let category = catalog
        .category(&p.category)
        .map(|c| format!("{} {}", c.id, c.name))
        .unwrap_or_default();
    let sources = [p.name.clone(), p.tags.join(" "), category];
    sources
        .iter()
        .flat_map(|text| tokens(text))
        .find_map(|word| WORDS.iter().find(|(w, _)| *w == word).map(|&(_, k)| k))
        .unwrap_or(Kind::Other)
}

impl Kind {
    /// Its name in the SVG's `data-kind`.
    pub(super) fn label(self) -> &'static str {
        match self {
            Kind::Dress => "dress",
            Kind::Trousers => "trousers",
            Kind::Top => "top",
            Kind::Shoe => "shoe",
            Kind::Boot => "boot",
            Kind::Sandal => "sandal",
            Kind::Bag => "bag",
            Kind::Backpack => "backpack",
            Kind::Belt => "belt",
            Kind::Sunglasses => "sunglasses",
            Kind::Hat => "hat",
            Kind::Scarf => "scarf",
            Kind::Earrings => "earrings",
            Kind::Necklace => "necklace",
            Kind::Other => "other",
        }
    }

    /// The drawing, in a 240×300 box above the label; filled and stroked in the product's
    /// colour by the enclosing group (open shapes set `fill="none"`).
    fn drawing(self) -> &'static str {
        match self {
            Kind::Dress => "<path d=\"M98 40h44l8 36-12 20 48 164H54l48-164-12-20z\"/>",
            Kind::Trousers => "<path d=\"M74 40h92l14 220h-52l-8-150-8 150H60z\"/>",
            Kind::Top => {
                "<path d=\"M92 48l28 12 28-12 46 30-18 36-22-12v142H86V102l-22 12-18-36z\"/>"
            }
            Kind::Shoe => {
                "<path d=\"M30 200c0-36 22-52 40-56l34 10c18 24 44 30 74 34 28 4 32 26 32 34v14H30z\"/>\
                 <rect x=\"26\" y=\"240\" width=\"188\" height=\"10\" rx=\"5\"/>"
            }
            Kind::Boot => {
                "<path d=\"M60 52h64v128c26 6 52 12 70 20 12 6 16 18 16 30v10H60z\"/>\
                 <rect x=\"56\" y=\"240\" width=\"158\" height=\"10\" rx=\"5\"/>"
            }
            Kind::Sandal => {
                "<path d=\"M34 236c0-12 16-20 56-20h96c22 0 32 8 32 20s-10 14-32 14H54c-12 0-20-4-20-14z\"/>\
                 <path d=\"M76 216c8-46 44-46 52 0M146 216c6-36 34-38 42-4\" fill=\"none\" stroke-width=\"10\"/>"
            }
            Kind::Bag => {
                "<path d=\"M64 118h112l16 136H48z\"/>\
                 <path d=\"M92 118c0-60 56-60 56 0\" fill=\"none\" stroke-width=\"8\"/>"
            }
            Kind::Backpack => {
                "<path d=\"M96 84c0-44 48-44 48 0\" fill=\"none\" stroke-width=\"10\"/>\
                 <rect x=\"64\" y=\"80\" width=\"112\" height=\"172\" rx=\"30\"/>\
                 <rect x=\"86\" y=\"168\" width=\"68\" height=\"58\" rx=\"10\" fill=\"#ffffff\" \
                 fill-opacity=\"0.35\" stroke=\"none\"/>"
            }
            Kind::Belt => {
                "<rect x=\"16\" y=\"132\" width=\"208\" height=\"36\" rx=\"6\"/>\
                 <rect x=\"96\" y=\"122\" width=\"48\" height=\"56\" rx=\"6\" fill=\"none\" \
                 stroke=\"#55524d\" stroke-width=\"8\"/>"
            }
            Kind::Sunglasses => {
                "<ellipse cx=\"76\" cy=\"150\" rx=\"44\" ry=\"32\"/>\
                 <ellipse cx=\"164\" cy=\"150\" rx=\"44\" ry=\"32\"/>\
                 <path d=\"M112 142c5-10 11-10 16 0M32 138l-14-16M208 138l14-16\" fill=\"none\" \
                 stroke-width=\"6\"/>"
            }
            Kind::Hat => {
                "<ellipse cx=\"120\" cy=\"196\" rx=\"104\" ry=\"26\"/>\
                 <path d=\"M70 196c0-68 18-96 50-96s50 28 50 96z\"/>\
                 <rect x=\"72\" y=\"164\" width=\"96\" height=\"12\" fill=\"#55524d\" stroke=\"none\"/>"
            }
            Kind::Scarf => {
                "<path d=\"M62 64c0 44 116 44 116 0\" fill=\"none\" stroke-width=\"26\"/>\
                 <path d=\"M76 94l-14 160h38l8-152z\"/><path d=\"M150 94l16 140h-38l-6-132z\"/>"
            }
            Kind::Earrings => {
                "<path d=\"M72 80v36M168 80v36\" fill=\"none\" stroke-width=\"6\"/>\
                 <circle cx=\"72\" cy=\"150\" r=\"34\" fill=\"none\" stroke-width=\"12\"/>\
                 <circle cx=\"168\" cy=\"150\" r=\"34\" fill=\"none\" stroke-width=\"12\"/>"
            }
            Kind::Necklace => {
                "<path d=\"M46 50c0 140 148 140 148 0\" fill=\"none\" stroke-width=\"6\"/>\
                 <path d=\"M120 150l20 28-20 34-20-34z\"/>"
            }
            Kind::Other => "<rect x=\"60\" y=\"50\" width=\"120\" height=\"200\" rx=\"16\"/>",
        }
    }
}

/// The SVG document for a product's front or back view.
pub(super) fn placeholder(catalog: &Catalog, p: &Product, back: bool) -> String {
    // The back view is the same shape, paler, so the two gallery images differ at a glance.
    let opacity = if back { "0.6" } else { "1" };
    let label: String = p.name.chars().take(30).collect();
    let label = if label.len() < p.name.len() {
        format!("{label}…")
    } else {
        label
    };
    let kind = kind(catalog, p);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"240\" height=\"300\" \
         viewBox=\"0 0 240 300\" role=\"img\" aria-label=\"{name}\" data-kind=\"{kind}\">\
         <rect width=\"240\" height=\"300\" fill=\"#efebe5\"/>\
         <g fill=\"{hex}\" stroke=\"{hex}\" stroke-linejoin=\"round\" opacity=\"{opacity}\">{shape}</g>\
         <text x=\"120\" y=\"286\" text-anchor=\"middle\" font-family=\"sans-serif\" \
         font-size=\"12\" fill=\"#55524d\">{label}</text></svg>\n",
        name = escape(&p.name),
        kind = kind.label(),
        // Validated as #rgb/#rrggbb when the catalog was loaded.
        hex = p.colour_hex,
        shape = kind.drawing(),
        label = escape(&label),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_product_has_a_drawing_of_its_category() {
        let catalog = Catalog::embedded();
        for p in catalog.products() {
            let k = kind(&catalog, p);
            let fits = match p.category.as_str() {
                "vestidos" => k == Kind::Dress,
                "calcas" => k == Kind::Trousers,
                "camisas" => k == Kind::Top,
                "calcados" => matches!(k, Kind::Shoe | Kind::Boot | Kind::Sandal),
                "acessorios" => matches!(
                    k,
                    Kind::Bag
                        | Kind::Backpack
                        | Kind::Belt
                        | Kind::Sunglasses
                        | Kind::Hat
                        | Kind::Scarf
                        | Kind::Earrings
                        | Kind::Necklace
                ),
                _ => false,
            };
            assert!(fits, "{} {:?} drawn as {k:?}", p.id, p.name);
        }
    }

    #[test]
    fn drawings_are_distinct() {
        let all = [
            Kind::Dress,
            Kind::Trousers,
            Kind::Top,
            Kind::Shoe,
            Kind::Boot,
            Kind::Sandal,
            Kind::Bag,
            Kind::Backpack,
            Kind::Belt,
            Kind::Sunglasses,
            Kind::Hat,
            Kind::Scarf,
            Kind::Earrings,
            Kind::Necklace,
            Kind::Other,
        ];
        let drawings: std::collections::HashSet<_> = all.iter().map(|k| k.drawing()).collect();
        let labels: std::collections::HashSet<_> = all.iter().map(|k| k.label()).collect();
        assert_eq!((drawings.len(), labels.len()), (all.len(), all.len()));
    }
}
