/// Left-aligns `s` in a column of `width` characters (String(format:) does not pad %@ on Linux).
func padded(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
}
