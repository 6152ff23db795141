import Foundation

/// A parsed safetensors file with F32 tensors (and I8 ones, the int8 weights of format 2): 8-byte little-endian header length, a JSON
/// header {name: {dtype, shape, data_offsets}, "__metadata__": {string: string}}, raw data.
/// Everything is checked before use; nothing is read outside the buffer.
public struct SafetensorsFile: Sendable {
    public struct Tensor: Sendable {
        /// "F32" or "I8".
        public let dtype: String
        public let shape: [Int]
        /// F32 tensors' values (empty for I8).
        public let values: [Float]
        /// I8 tensors' values (empty for F32).
        public let int8: [Int8]
    }
    public let tensors: [String: Tensor]
    public let metadata: [String: String]

    public static let maxHeaderBytes = 1 << 20

    public init(path: String, data: Data) throws(ModelFileError) {
        let fail = { (why: String) in ModelFileError(path, why) }
        guard data.count >= 8 else { throw fail("is too short to be a safetensors file (\(data.count) bytes)") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength > 1, headerLength <= UInt64(Self.maxHeaderBytes) else {
            throw fail("declares a \(headerLength)-byte header (the limit is \(Self.maxHeaderBytes)); not a vsr model file")
        }
        let start = data.startIndex
        guard 8 + Int(headerLength) <= data.count else { throw fail("is truncated: the header runs past the end of the file") }
        let headerData = data.subdata(in: start + 8..<start + 8 + Int(headerLength))
        guard let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any] else {
            throw fail("has a header that is not a JSON object")
        }
        var metadata: [String: String] = [:]
        if let meta = header["__metadata__"] {
            guard let m = meta as? [String: String] else { throw fail("has __metadata__ that is not a map of strings") }
            metadata = m
        }
        let body = data.subdata(in: start + 8 + Int(headerLength)..<data.endIndex)
        var tensors: [String: Tensor] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let t = value as? [String: Any], let dtype = t["dtype"] as? String,
                  let shape = t["shape"] as? [Int], let offsets = t["data_offsets"] as? [Int], offsets.count == 2 else {
                throw fail("tensor '\(name)' has a malformed entry")
            }
            guard dtype == "F32" || dtype == "I8" else { throw fail("tensor '\(name)' is \(dtype); vsr reads F32 and I8 tensors") }
            let size = dtype == "F32" ? 4 : 1
            guard shape.count <= 4, shape.allSatisfy({ $0 >= 0 && $0 <= 1 << 24 }) else {
                throw fail("tensor '\(name)' has an implausible shape \(shape)")
            }
            // Each dimension is at most 2^24 but their product need not fit: multiply with overflow
            // checks (a [2^24, 2^24, 2^16] shape trapped here).
            var count = 1
            for d in shape + [size] {
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, product <= body.count else {
                    throw fail("tensor '\(name)' has shape \(shape), larger than the file's \(body.count) bytes of data")
                }
                count = product
            }
            count /= size
            let (lo, hi) = (offsets[0], offsets[1])
            guard lo >= 0, hi >= lo, hi <= body.count else {
                throw fail("tensor '\(name)' lies outside the file (bytes \(lo)..<\(hi) of \(body.count)): truncated?")
            }
            guard hi - lo == count * size else { throw fail("tensor '\(name)' has \(hi - lo) bytes for shape \(shape)") }
            if size == 1 {
                let bytes = body.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in (0..<count).map { Int8(bitPattern: raw[lo + $0]) } }
                tensors[name] = Tensor(dtype: dtype, shape: shape, values: [], int8: bytes)
                continue
            }
            let values = body.withUnsafeBytes { raw in
                (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: lo + $0 * 4, as: UInt32.self))) }
            }
            guard values.allSatisfy(\.isFinite) else { throw fail("tensor '\(name)' contains NaN or infinite values") }
            tensors[name] = Tensor(dtype: dtype, shape: shape, values: values, int8: [])
        }
        self.tensors = tensors
        self.metadata = metadata
    }
}
