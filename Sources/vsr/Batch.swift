import Foundation

/// Batches (several inputs or a folder into an output folder) and pipes (`-`) for `vsr upscale`.
enum Batch {
    /// Containers and images a folder's files are picked by.
    static let mediaExtensions: Set<String> = ["mp4", "mkv", "mov", "avi", "ts", "m2ts", "mts", "webm", "flv", "wmv", "mpg",
                                               "mpeg", "m4v", "3gp", "y4m", "264", "265", "h264", "hevc",
                                               "png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp"]

    static func isFolder(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// `-` is stdin (reading) or stdout (writing), as in ffmpeg.
    static func pipeURL(_ path: String, reading: Bool) -> String { path == "-" ? (reading ? "pipe:0" : "pipe:1") : path }
    static func isPipe(_ path: String) -> Bool { path == "-" || path.hasPrefix("pipe:") }

    /// (input, output) pairs: folders expanded to their media files (sorted, not recursive); each
    /// output is OUTPUT_FOLDER/NAME with the input's extension. The folder is made if missing.
    static func plan(inputs: [String], outputFolder: String) throws -> [(String, String)] {
        if FileManager.default.fileExists(atPath: outputFolder) && !isFolder(outputFolder) {
            throw BatchError("with several inputs or a folder, the output must be a folder; \(outputFolder) is a file")
        }
        var files: [String] = []
        for input in inputs {
            if isFolder(input) {
                let names = try FileManager.default.contentsOfDirectory(atPath: input).sorted()
                files += names.filter { mediaExtensions.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
                    .map { URL(fileURLWithPath: input).appendingPathComponent($0).path }
            } else {
                files.append(input)
            }
        }
        guard !files.isEmpty else { throw BatchError("no video or image files in \(inputs.joined(separator: ", "))") }
        let outputs = files.map { URL(fileURLWithPath: outputFolder).appendingPathComponent(URL(fileURLWithPath: $0).lastPathComponent).path }
        if Set(outputs).count != outputs.count { throw BatchError("two inputs have the same file name; the outputs would collide in \(outputFolder)") }
        try FileManager.default.createDirectory(atPath: outputFolder, withIntermediateDirectories: true)
        return Array(zip(files, outputs))
    }

    struct BatchError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }
}
