using Polly;

namespace PollyBreakerExt.Benchmarks;

/// <summary>
/// The calling thread plus one dedicated thread per other caller, released together for each batch of calls, so thread
/// start-up is not measured and every caller really runs at once.
/// </summary>
internal sealed class ParallelCallers : IDisposable
{
    private readonly Barrier _barrier;
    private readonly Thread[] _threads;
    private ResiliencePipeline<int>? _pipeline;
    private int _callsPerThread;

    public ParallelCallers(int callers)
    {
        _barrier = new Barrier(callers);
        _threads = new Thread[callers - 1];
        for (var i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"contention-{i}" };
            _threads[i].Start();
        }
    }

    public void Run(ResiliencePipeline<int> pipeline, int calls)
    {
        _pipeline = pipeline;
        _callsPerThread = calls / _barrier.ParticipantCount;
        _barrier.SignalAndWait(); // start
        Call(pipeline, calls - (_callsPerThread * (_barrier.ParticipantCount - 1)));
        _barrier.SignalAndWait(); // all done
    }

    public void Dispose()
    {
        _pipeline = null;
        _barrier.SignalAndWait(); // release the workers with no pipeline: they exit
        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _barrier.Dispose();
    }

    private static void Call(ResiliencePipeline<int> pipeline, int calls)
    {
        for (var i = 0; i < calls; i++)
        {
            var pending = pipeline.ExecuteAsync(static _ => new ValueTask<int>(42));
            if (!pending.IsCompletedSuccessfully)
            {
                pending.AsTask().GetAwaiter().GetResult();
            }
        }
    }

    private void Work()
    {
        while (true)
        {
            _barrier.SignalAndWait();
            if (_pipeline is not { } pipeline)
            {
                return;
            }

            Call(pipeline, _callsPerThread);
            _barrier.SignalAndWait();
        }
    }
}
