//! QR codes as PNG (through the `png` crate) and SVG, for links a phone camera opens.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// Largest image side in pixels.
pub const MAX_SIZE: u32 = 2048;

fn code(text: &str) -> Result<QrCode, String> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| format!("cannot make a QR code: {e}"))
}

/// A PNG of the QR code for `text`, about `size` pixels wide, with a quiet zone of `margin` modules.
pub fn png(text: &str, size: u32, margin: u32) -> Result<Vec<u8>, String> {
    let code = code(text)?;
    let modules = u32::try_from(code.width()).map_err(|_| "QR code too large".to_owned())?;
    let total = modules + 2 * margin;
    let scale = (size / total).max(1);
    let side = total * scale;
    let colors = code.to_colors();
    let mut pixels = vec![255u8; (side * side) as usize];
    for y in 0..modules {
        for x in 0..modules {
            if colors[(y * modules + x) as usize] == qrcode::Color::Dark {
                for dy in 0..scale {
                    let row = ((margin + y) * scale + dy) * side;
                    let start = (row + (margin + x) * scale) as usize;
                    pixels[start..start + scale as usize].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| format!("PNG: {e}"))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| format!("PNG: {e}"))?;
    }
    Ok(out)
}

/// An SVG of the QR code for `text`, at least `size` pixels wide, with a quiet zone of `margin` modules.
pub fn svg(text: &str, size: u32, margin: u32) -> Result<String, String> {
    let code = code(text)?;
    let modules = u32::try_from(code.width()).map_err(|_| "QR code too large".to_owned())?;
    let module = (size / (modules + 2 * margin)).max(1);
    let svg = code
        .render::<svg::Color<'_>>()
        .quiet_zone(false)
        .module_dimensions(module, module)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // Wrap with the requested margin (the renderer's quiet zone is a fixed 4 modules).
    let inner = modules * module;
    let outer = inner + 2 * margin * module;
    let offset = margin * module;
    let body = svg.split_once("?>").map(|(_, rest)| rest).unwrap_or(&svg);
    Ok(format!(
        "<?xml version=\"1.0\" standalone=\"yes\"?><svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{outer}\" height=\"{outer}\" viewBox=\"0 0 {outer} {outer}\" shape-rendering=\"crispEdges\"><rect x=\"0\" y=\"0\" width=\"{outer}\" height=\"{outer}\" fill=\"#ffffff\"/><g transform=\"translate({offset},{offset})\">{body}</g></svg>"
    ))
}
