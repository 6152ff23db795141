import Foundation
import VSRKernels

/// Resolves `--model`: bicubic, a bundled model name, or a model file path.
public enum ModelCatalog {
    public static func upscaler(named name: String, scale: Int, notify: (String) -> Void) throws -> any LumaUpscaler {
        if name == "bicubic" { return BicubicUpscaler(scale: scale) }
        notify("model '\(name)' is not available yet; using bicubic")
        return BicubicUpscaler(scale: scale)
    }
}
