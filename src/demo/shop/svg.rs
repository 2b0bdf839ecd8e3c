//! Placeholder product images: a small SVG silhouette (dress, trousers, top, shoe, bag, or a
//! plain card for other categories) in the product's colour, with its name.

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

/// The silhouette for a category, chosen by words in its id or name.
fn silhouette(catalog: &Catalog, p: &Product) -> &'static str {
    let name = catalog
        .category(&p.category)
        .map(|c| crate::sim::text::fold(&format!("{} {}", c.id, c.name)))
        .unwrap_or_default();
    let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
    if has(&["vestido", "dress"]) {
        "<path d=\"M98 40h44l8 36-12 20 48 164H54l48-164-12-20z\"/>"
    } else if has(&["calca", "pant", "jean"]) {
        "<path d=\"M74 40h92l14 220h-52l-8-150-8 150H60z\"/>"
    } else if has(&["camisa", "blusa", "shirt", "top"]) {
        "<path d=\"M92 48l28 12 28-12 46 30-18 36-22-12v142H86V102l-22 12-18-36z\"/>"
    } else if has(&["calcado", "sapato", "shoe", "tenis"]) {
        "<path d=\"M36 200c0-36 22-52 40-56l34 10c18 24 44 30 74 34 28 4 26 26 26 34v16H36z\"/>"
    } else if has(&["acessorio", "bolsa", "bag"]) {
        "<path d=\"M64 118h112l16 136H48z\"/>\
         <path d=\"M92 118c0-60 56-60 56 0\" fill=\"none\" stroke-width=\"8\"/>"
    } else {
        "<rect x=\"60\" y=\"50\" width=\"120\" height=\"200\" rx=\"16\"/>"
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
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"240\" height=\"300\" \
         viewBox=\"0 0 240 300\" role=\"img\" aria-label=\"{name}\">\
         <rect width=\"240\" height=\"300\" fill=\"#efebe5\"/>\
         <g fill=\"{hex}\" stroke=\"{hex}\" stroke-linejoin=\"round\" opacity=\"{opacity}\">{shape}</g>\
         <text x=\"120\" y=\"286\" text-anchor=\"middle\" font-family=\"sans-serif\" \
         font-size=\"12\" fill=\"#55524d\">{label}</text></svg>\n",
        name = escape(&p.name),
        // Validated as #rgb/#rrggbb when the catalog was loaded.
        hex = p.colour_hex,
        shape = silhouette(catalog, p),
        label = escape(&label),
    )
}
