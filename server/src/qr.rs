//! QR codes as PNG (through the `png` crate) and SVG, for links a phone camera opens.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// Largest image side in pixels.
pub const MAX_SIZE: u32 = 2048;

fn code(text: &str) -> Result<QrCode, String> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| format!("cannot make a QR code: {e}"))
}

/// A PNG of the QR code for `text`, exactly `size` pixels wide (more only when the code needs more
/// than one pixel per module), with a quiet zone of at least `margin` modules; whole pixels per module,
/// the rest of the width added evenly to the quiet zone.
/// The image formats a QR code is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrFormat {
    /// A PNG image.
    Png,
    /// An SVG document.
    Svg,
}

/// Draws `text` as a QR code in `format`.
pub fn draw(format: QrFormat, text: &str, size: u32, margin: u32) -> Result<Vec<u8>, String> {
    match format {
        QrFormat::Png => png(text, size, margin),
        QrFormat::Svg => svg(text, size, margin).map(String::into_bytes),
    }
}

pub fn png(text: &str, size: u32, margin: u32) -> Result<Vec<u8>, String> {
    let code = code(text)?;
    let modules = u32::try_from(code.width()).map_err(|_| "QR code too large".to_owned())?;
    let total = modules + 2 * margin;
    let scale = (size / total).max(1);
    let side = (total * scale).max(size);
    let offset = (side - modules * scale) / 2;
    let colors = code.to_colors();
    let mut pixels = vec![255u8; (side * side) as usize];
    for y in 0..modules {
        for x in 0..modules {
            if colors[(y * modules + x) as usize] == qrcode::Color::Dark {
                for dy in 0..scale {
                    let row = (offset + y * scale + dy) * side;
                    let start = (row + offset + x * scale) as usize;
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

/// An SVG of the QR code for `text`, `size` pixels wide (the drawing is scaled to fit), with a quiet
/// zone of `margin` modules.
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
    let width = size.max(modules + 2 * margin);
    let body = svg.split_once("?>").map(|(_, rest)| rest).unwrap_or(&svg);
    Ok(format!(
        "<?xml version=\"1.0\" standalone=\"yes\"?><svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{width}\" height=\"{width}\" viewBox=\"0 0 {outer} {outer}\" shape-rendering=\"crispEdges\"><rect x=\"0\" y=\"0\" width=\"{outer}\" height=\"{outer}\" fill=\"#ffffff\"/><g transform=\"translate({offset},{offset})\">{body}</g></svg>"
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn images_are_as_wide_as_asked() {
        let url = "https://enroll.example.com/enroll#0196a3c25b1e7c3d9f00123456789abc.Q2FyZWZ1bGx5LXNhbXBsZQ";
        for size in [64, 100, 318, 320, 321, 1000, 2048] {
            let png = super::png(url, size, 4).unwrap();
            let info = png::Decoder::new(std::io::Cursor::new(png))
                .read_info()
                .unwrap();
            assert_eq!((info.info().width, info.info().height), (size, size));
            let svg = super::svg(url, size, 4).unwrap();
            assert!(svg.contains(&format!("width=\"{size}\" height=\"{size}\"")));
        }
    }
}
