import ArgumentParser
import Foundation
import VSRModels

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the bundled models.")

    func run() throws {
        let files = ModelCatalog.bundledModels()
        if files.isEmpty {
            print("no bundled models found (looked in \(ModelCatalog.weightsFolders().joined(separator: ", ")))")
            return
        }
        print("model          scale   params   MAC/px   Set5 PSNR/SSIM     Set14 PSNR/SSIM")
        for path in files {
            guard let m = try? ModelFile(path: path) else { print("  \(path): unreadable"); continue }
            func q(_ set: String) -> String {
                guard let v = m.metadata.quality[set] else { return "      -        " }
                return String(format: "%6.2f / %.4f", v.psnr, v.ssim)
            }
            print(String(format: "%-14@ x%d   %7d  %7d   %@   %@", m.metadata.name as NSString, m.network.scale,
                         m.network.parameterCount, m.network.macsPerPixel, q("Set5") as NSString, q("Set14") as NSString))
        }
    }
}
