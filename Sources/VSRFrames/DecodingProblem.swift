/// A JSON decoding error as the one line a user reads: `missing "recipe"`, `wrong type at
/// streams.stream 1.input`, `not valid JSON`. `item` names array elements ("stream 1"), counted
/// from 1. The stream config and the segment manifest both say it this way.
public func decodingProblem(_ error: any Error, item: String) -> String {
    func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "" : " at " + keys.map { $0.intValue.map { "\(item) \($0 + 1)" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case DecodingError.keyNotFound(let key, let c): return "missing \"\(key.stringValue)\"\(path(c.codingPath))"
    case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c): return "wrong type\(path(c.codingPath))"
    default: return "not valid JSON"
    }
}
