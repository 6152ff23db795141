import Testing

/// Every suite that runs live cameras (real sources, real timing) runs inside this one, one
/// after another: on two cores, two such suites at once would measure each other's load.
@Suite(.serialized)
enum LiveCameras {}
