//! The customer profile of the Fashion.AI API (README), with its Portuguese sections, made up
//! deterministically from the e-mail address (SHA-256 of the lower-cased address picks every
//! choice) and the catalog (favourite categories, colours and outfit suggestions are real catalog
//! entries).

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::catalog::Catalog;

const ESTILOS: [&str; 6] = [
    "Casual chic com toques minimalistas",
    "Clássico contemporâneo, com peças atemporais de alfaiataria",
    "Boho romântico, com estampas e tecidos leves",
    "Esportivo urbano: conforto em primeiro lugar",
    "Streetwear com peças oversized e tênis marcantes",
    "Elegante para eventos, com cetim, seda e saltos",
];
const TONS: [&str; 4] = [
    "Próximo e descontraído, com linguagem do dia a dia",
    "Sofisticado e consultivo, com foco em qualidade e caimento",
    "Inspirador e leve, com referências a viagens e natureza",
    "Direto e enérgico, falando de desempenho e praticidade",
];
const VISUAIS: [&str; 4] = [
    "Fotos em luz natural, fundos neutros e looks completos",
    "Editorial urbano, cores contrastantes e movimento",
    "Paleta terrosa, texturas em close e cenários ao ar livre",
    "Minimalista: produto em destaque, muito espaço em branco",
];
const FAIXAS: [&str; 3] = ["acessível", "intermediária", "premium"];
const FREQUENCIAS: [&str; 3] = ["mensal", "trimestral", "sazonal"];
const CANAIS: [&str; 4] = ["e-mail", "WhatsApp", "Instagram", "push no app"];
/// Occasion name and the style tag whose products dress it.
const OCASIOES: [(&str, &str); 5] = [
    ("Trabalho", "trabalho"),
    ("Fim de semana", "casual"),
    ("Festa", "festa"),
    ("Praia", "praia"),
    ("Treino", "esportivo"),
];

/// The profile answer (`{"profile": {...}}`) for an address.
pub fn profile(catalog: &Catalog, email: &str) -> Value {
    let seed = Sha256::digest(email.trim().to_lowercase().as_bytes());
    // `max(1)`: an empty product list must not divide by zero.
    let pick = |i: usize, n: usize| usize::from(seed[i]) % n.max(1);
    let categories = catalog.categories();
    let fav: Vec<&str> = (0..2)
        .map(|k| {
            categories[(pick(0, categories.len()) + k) % categories.len()]
                .name
                .as_str()
        })
        .collect();
    let fav_ids: Vec<&str> = (0..2)
        .map(|k| {
            categories[(pick(0, categories.len()) + k) % categories.len()]
                .id
                .as_str()
        })
        .collect();
    let products = catalog.products();
    let colours: Vec<&str> = (0..2)
        .filter_map(|k| products.get((pick(1, products.len()) + 17 * k) % products.len().max(1)))
        .map(|p| p.colour.as_str())
        .filter(|c| !c.is_empty())
        .collect();
    let novo = seed[2] % 3 == 0;
    let first_occasion = pick(3, OCASIOES.len());
    let ocasioes: Vec<Value> = (0..2)
        .map(|k| {
            let (nome, style) = OCASIOES[(first_occasion + k) % OCASIOES.len()];
            json!({
                "ocasiao": nome,
                "sugestao_look": format!("Look de {} em {}", nome.to_lowercase(), fav[k].to_lowercase()),
                "produtos": outfit(catalog, style, usize::from(seed[4 + k])),
            })
        })
        .collect();
    let headline = products
        .get(pick(6, products.len()))
        .map_or("o básico da estação", |p| p.name.as_str());
    let colour = colours.first().copied().unwrap_or("preto");
    json!({
        "profile": {
            "perfil_cliente": {
                "estilo_geral": ESTILOS[pick(7, ESTILOS.len())],
                "categorias_favoritas": fav,
                "cores_preferidas": colours,
                "faixa_de_preco": FAIXAS[pick(8, FAIXAS.len())],
                "frequencia_compra": FREQUENCIAS[pick(9, FREQUENCIAS.len())],
            },
            "briefing_marketing": {
                "tom_de_voz": TONS[pick(10, TONS.len())],
                "direcao_visual": VISUAIS[pick(11, VISUAIS.len())],
                "canais_preferidos": [CANAIS[pick(12, CANAIS.len())], CANAIS[(pick(12, CANAIS.len()) + 1) % CANAIS.len()]],
            },
            "momento_compra_atual": {
                "novo_comportamento": novo,
                "descricao": if novo {
                    format!("Começou a explorar {} nas últimas semanas", fav[1].to_lowercase())
                } else {
                    format!("Compra recorrente em {}", fav[0].to_lowercase())
                },
                "oportunidades": [
                    format!("Apresentar as novidades de {}", fav[1].to_lowercase()),
                    format!("Sugerir looks completos em {colour}"),
                    format!("Lembrete de reposição em {}", fav[0].to_lowercase()),
                ],
                "categorias_em_alta": fav_ids,
            },
            "ocasioes_relevantes": ocasioes,
            "ganchos_conteudo": [
                format!("5 formas de usar {headline}"),
                format!("Guia de cores: como combinar {colour}"),
                format!("O guarda-roupa essencial de {}", fav[0].to_lowercase()),
            ],
        }
    })
}

/// Up to three product ids of `style`, one per category, starting at a seeded offset.
fn outfit(catalog: &Catalog, style: &str, offset: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for category in catalog.categories() {
        let matching: Vec<_> = catalog
            .category_products(&category.id)
            .into_iter()
            .flatten()
            .filter(|p| p.in_stock && p.style.iter().any(|s| s == style))
            .collect();
        if let Some(p) = matching.get(offset % matching.len().max(1)) {
            ids.push(p.id.clone());
        }
        if ids.len() == 3 {
            break;
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_address_same_profile_any_case() {
        let catalog = Catalog::embedded();
        let a = profile(&catalog, "Ana@Example.com");
        assert_eq!(a, profile(&catalog, "ana@example.com"));
        assert_ne!(a, profile(&catalog, "bia@example.com"));
        let looks = a["profile"]["ocasioes_relevantes"][0]["produtos"]
            .as_array()
            .unwrap();
        assert!(!looks.is_empty());
        for id in looks {
            assert!(catalog.product(id.as_str().unwrap()).is_some());
        }
    }
}
