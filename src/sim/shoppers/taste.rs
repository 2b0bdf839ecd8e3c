//! What a simulated shopper likes and how it acts on a listing: the behaviour model of
//! `reshelf sim shoppers`, pure (the caller brings the random numbers), so it can be read
//! and tested apart from the HTTP.
//!
//! A shopper's [`Taste`] is one colour and one style. A product it loves has both
//! ([`Taste::affinity`] 2), one it likes has one of them (1). On a listing it looks at the
//! first screen ([`FIRST_SCREEN`] tiles) and opens the product it likes most there (the
//! topmost of equals); when nothing there appeals, it scrolls on with probability
//! [`SCROLL`] to the first tile it likes. It adds the opened product to the cart with
//! probability [`cart_propensity`]: [`CART`] for its affinity times [`POSITION_DECAY`] to the
//! power of the tile's position, the position bias of listings. So the propensity rises when
//! products matching the taste are near the top, which is what personalized order does once
//! Fashion.AI has seen the shopper open a product or two.

use crate::sim::{Catalog, Product};

/// Tiles a shopper sees without scrolling.
pub const FIRST_SCREEN: usize = 8;
/// Probability that a shopper who likes nothing on the first screen scrolls on.
pub const SCROLL: f64 = 0.5;
/// Probability of adding an opened product to the cart at the top of the page, by affinity.
pub const CART: [f64; 3] = [0.0, 0.03, 0.50];
/// Each position further down multiplies the cart propensity by this.
pub const POSITION_DECAY: f64 = 0.85;
/// Probability that a shopper with something in the cart checks out.
pub const CHECKOUT: f64 = 0.5;

/// A shopper's taste: one colour and one style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taste {
    pub colour: String,
    pub style: String,
}

impl Taste {
    /// The taste of a product drawn with `pick` (a number in 0..1): its colour and one of its
    /// styles, so that every taste is some product's.
    pub fn draw(catalog: &Catalog, pick: f64, style_pick: f64) -> Taste {
        let products = catalog.products();
        let p = &products[index(pick, products.len())];
        let style = if p.style.is_empty() {
            String::new()
        } else {
            p.style[index(style_pick, p.style.len())].clone()
        };
        Taste {
            colour: p.colour.clone(),
            style,
        }
    }

    /// 2: the product has the colour and the style; 1: one of them; 0: neither.
    pub fn affinity(&self, p: &Product) -> usize {
        let colour = !self.colour.is_empty() && p.colour == self.colour;
        let style = !self.style.is_empty() && p.style.contains(&self.style);
        usize::from(colour) + usize::from(style)
    }
}

/// The tile a shopper opens: its position on the page (0 = first) and its affinity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pick {
    pub position: usize,
    pub affinity: usize,
}

/// The tile the shopper opens on a listing of `tiles` (in page order), or `None` when it
/// leaves. `scroll` is a number in 0..1: below [`SCROLL`], it scrolls past the first screen
/// unless it loves something there.
pub fn choose(taste: &Taste, tiles: &[&Product], scroll: f64) -> Option<Pick> {
    let picks = tiles.iter().enumerate().map(|(position, p)| Pick {
        position,
        affinity: taste.affinity(p),
    });
    let first_screen = picks
        .clone()
        .take(FIRST_SCREEN)
        .filter(|pick| pick.affinity > 0)
        // The highest affinity; among equals, the topmost (max_by keeps the last maximum).
        .max_by(|a, b| {
            a.affinity
                .cmp(&b.affinity)
                .then(b.position.cmp(&a.position))
        });
    if first_screen.is_some_and(|pick| pick.affinity == 2) || scroll >= SCROLL {
        return first_screen;
    }
    // Scrolling on: the first product it loves further down, else (nothing liked on the
    // first screen) the first it likes.
    let mut below = picks.skip(FIRST_SCREEN);
    let loved = below.clone().find(|pick| pick.affinity == 2);
    loved
        .or(first_screen)
        .or_else(|| below.find(|pick| pick.affinity > 0))
}

/// Probability that the shopper adds the product it opened to the cart.
pub fn cart_propensity(pick: Pick) -> f64 {
    let base = CART[pick.affinity.min(CART.len() - 1)];
    base * POSITION_DECAY.powi(i32::try_from(pick.position).unwrap_or(i32::MAX))
}

fn index(pick: f64, len: usize) -> usize {
    ((pick.clamp(0.0, 1.0) * len as f64) as usize).min(len.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taste() -> Taste {
        Taste {
            colour: "azul".into(),
            style: "festa".into(),
        }
    }

    fn product(colour: &str, style: &[&str]) -> Product {
        let mut p = Catalog::embedded().products()[0].clone();
        p.colour = colour.into();
        p.style = style.iter().map(|s| s.to_string()).collect();
        p
    }

    #[test]
    fn opens_the_best_liked_tile_of_the_first_screen_and_buys_more_at_the_top() {
        let plain = product("preto", &["casual"]);
        let liked = product("azul", &["casual"]);
        let loved = product("azul", &["festa", "boho"]);
        let mut page = vec![&plain; 20];
        page[2] = &liked;
        page[5] = &loved;
        page[6] = &loved;
        let pick = choose(&taste(), &page, 0.9).unwrap();
        assert_eq!(
            pick,
            Pick {
                position: 5,
                affinity: 2
            }
        );
        // Nothing on the first screen: only a shopper who scrolls finds the liked tile.
        let mut page = vec![&plain; 20];
        page[12] = &liked;
        assert_eq!(choose(&taste(), &page, 0.9), None);
        assert_eq!(
            choose(&taste(), &page, 0.1),
            Some(Pick {
                position: 12,
                affinity: 1
            })
        );
        // Only liked on the first screen: a shopper who scrolls opens the loved one below.
        page[2] = &liked;
        page[15] = &loved;
        assert_eq!(choose(&taste(), &page, 0.9).unwrap().position, 2);
        assert_eq!(choose(&taste(), &page, 0.1).unwrap().position, 15);
        let at = |position, affinity| cart_propensity(Pick { position, affinity });
        assert_eq!(at(0, 2), CART[2]);
        assert!(at(0, 2) > at(5, 2) && at(5, 2) > at(5, 1) && at(5, 1) > 0.0);
    }

    #[test]
    fn a_drawn_taste_is_some_products_colour_and_style() {
        let catalog = Catalog::embedded();
        for pick in [0.0, 0.37, 0.999, 1.0] {
            let t = Taste::draw(&catalog, pick, 0.5);
            assert!(catalog.products().iter().any(|p| t.affinity(p) == 2));
        }
    }
}
