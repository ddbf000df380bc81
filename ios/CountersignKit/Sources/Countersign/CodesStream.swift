import CountersignFFI
import Foundation

/// One tick of the codes screen.
public enum CodesTick: Equatable {
    case view(CodesView)
    case failure(CountersignError)
}

extension CountersignService {
    /// A CodesView at every whole second (the first at once) until the
    /// consuming task is cancelled; a failed read is a `.failure` tick, and the
    /// stream goes on (the next second may succeed). When the stream ends the
    /// core's codes screen is closed (its key states zeroized).
    public func codesStream() -> AsyncStream<CodesTick> {
        // Only the newest tick matters to a screen that fell behind.
        AsyncStream(CodesTick.self, bufferingPolicy: .bufferingNewest(1)) { continuation in
            let producer = Task {
                // After the first view only the codes cross the FFI; a whole
                // view again when the core says the rows changed.
                var shown: CodesView?
                while !Task.isCancelled {
                    let tick: CodesTick
                    do {
                        var view: CodesView?
                        if let last = shown, let codes = try await self.codesUpdate(screen: last.screen) {
                            view = last.after(codes)
                        }
                        let current: CodesView
                        if let next = view {
                            current = next
                        } else {
                            current = try await self.codes()
                        }
                        shown = current
                        tick = .view(current)
                    } catch {
                        tick = .failure(CountersignError(any: error))
                    }
                    // A read that was under way when the consumer left is not news.
                    if Task.isCancelled {
                        break
                    }
                    continuation.yield(tick)
                    do {
                        try await Task.sleep(nanoseconds: nanosecondsToNextWholeSecond())
                    } catch {
                        break
                    }
                }
                // After the last read, so none in flight opens the screen again.
                self.closeCodesView()
                continuation.finish()
            }
            // A cancelled consumer (or a dropped iterator) terminates the stream;
            // the producer must not outlive it.
            continuation.onTermination = { _ in producer.cancel() }
        }
    }
}

// Codes and countdowns change on the wall clock's whole seconds, so each read
// is aimed just there rather than a fixed second after the previous one (which
// would drift and show a stale countdown for most of a second).
private func nanosecondsToNextWholeSecond() -> UInt64 {
    let now = Date().timeIntervalSince1970
    let wait = now.rounded(.down) + 1 - now
    return UInt64(wait * 1_000_000_000)
}

extension CodesView {
    /// This view one second later: the same rows with `update`'s codes and countdowns.
    func after(_ update: CodesUpdate) -> CodesView {
        var next = self
        next.now = update.now
        for index in next.items.indices {
            let code = update.codes[index]
            next.items[index].code = code.isEmpty ? nil : code
            let left = update.secondsLeft[index]
            next.items[index].secondsLeft = left == 0 ? nil : left
        }
        return next
    }
}
