"""What the security stories share: attempts released together."""
import threading


def at_once(n, attempt):
    """``n`` attempts released together from ``n`` threads; their results."""
    gate = threading.Barrier(n)
    results = [None] * n

    def run(i):
        gate.wait()
        results[i] = attempt(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results
