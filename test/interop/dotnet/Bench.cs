// Benchmark functions and verbs for bench/sideBySide.ts: trivial work with the same names and behaviour as
// bench/nodeWorker.ts, so both backends run the same workloads on the same emulator.
using System.Diagnostics;
using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.Entities.OperationFormat;
using Newtonsoft.Json.Linq;

namespace Interop
{
    static class BenchFunctions
    {
        public static ObjectCreator<TaskActivity>[] Activities() => new ObjectCreator<TaskActivity>[]
        {
            // Silent: no per-run announcement, so 10,000 runs cost no stdout traffic.
            new Named<TaskActivity>("Inc", () => new RawActivity("Inc", x => ((long?)x ?? 0) + 1, announce: false)),
        };

        public static ObjectCreator<TaskOrchestration>[] Orchestrations() => new ObjectCreator<TaskOrchestration>[]
        {
            new Named<TaskOrchestration>("BenchChain", () => new Lambda(async (self, ctx, input) =>
            {
                long x = 0;
                var steps = (int?)input ?? 5;
                for (int i = 0; i < steps; i++) x = (long)(await Lambda.Activity(ctx, "Inc", x));
                return x;
            })),
            new Named<TaskOrchestration>("BenchFanOut", () => new Lambda(async (self, ctx, input) =>
            {
                var n = (int?)input ?? 0;
                var tasks = new List<Task<JToken>>(n);
                for (int i = 0; i < n; i++) tasks.Add(Lambda.Activity(ctx, "Inc", i));
                var results = await Task.WhenAll(tasks);
                return results.Length;
            })),
            new Named<TaskOrchestration>("Noop", () => new Lambda(async (self, ctx, input) => input)),
        };

        public static ObjectCreator<TaskEntity>[] Entities() => new ObjectCreator<TaskEntity>[]
        {
            new Named<TaskEntity>("counter", () => new CounterEntity()),
        };
    }

    /// <summary>A counter: every operation adds its input (a number) to the state.</summary>
    sealed class CounterEntity : TaskEntity
    {
        public override Task<EntityBatchResult> ExecuteOperationBatchAsync(EntityBatchRequest request)
        {
            long state = string.IsNullOrEmpty(request.EntityState) ? 0 : long.Parse(request.EntityState);
            var results = new List<OperationResult>();
            foreach (var op in request.Operations ?? new List<OperationRequest>())
            {
                // "get" reads (interop scenario 6); every other operation adds its input, or 1.
                if (op.Operation != "get") state += string.IsNullOrEmpty(op.Input) || op.Input == "null" ? 1 : long.Parse(op.Input);
                results.Add(new OperationResult { Result = op.Operation == "get" ? state.ToString() : null, StartTimeUtc = DateTime.UtcNow, EndTimeUtc = DateTime.UtcNow });
            }
            return Task.FromResult(new EntityBatchResult
            {
                Results = results,
                Actions = new List<OperationAction>(),
                EntityState = state.ToString(),
            });
        }
    }

    static class BenchVerbs
    {
        /// <summary>Runs `work` for 0..count-1 with at most `parallel` at once.</summary>
        public static async Task ForEachAsync(int count, int parallel, Func<int, Task> work)
        {
            int next = -1;
            var runners = Enumerable.Range(0, Math.Min(parallel, count)).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count) await work(i);
            });
            await Task.WhenAll(runners);
        }

        public static async Task CreateManyAsync(TaskHubClient client, JObject request)
        {
            var name = (string)request["name"]!;
            var prefix = (string)request["prefix"]!;
            var count = (int)request["count"]!;
            var input = request["input"] is JToken t ? JToken.Parse((string)t!) : null;
            await ForEachAsync(count, 50, i => client.CreateOrchestrationInstanceAsync(name, "", $"{prefix}-{i:D6}", input));
        }

        /// <summary>Signals `signals` add(1) operations spread over `entities` counters, and waits until all are applied.</summary>
        public static async Task<double> EntityBenchAsync(AzureStorageOrchestrationService service, JObject request)
        {
            var prefix = (string)request["prefix"]!;
            var entities = (int)request["entities"]!;
            var signals = (int)request["signals"]!;
            var timeout = TimeSpan.FromMilliseconds((double?)request["timeoutMs"] ?? 600_000);
            var watch = Stopwatch.StartNew();
            await ForEachAsync(signals, 50, i =>
            {
                var target = new OrchestrationInstance { InstanceId = new EntityId("counter", $"{prefix}-{i % entities}").ToString() };
                var signal = ClientEntityHelpers.EmitOperationSignal(target, Guid.NewGuid(), "add", "1", null);
                return service.SendTaskOrchestrationMessageAsync(signal.AsTaskMessage());
            });
            var queries = ((IEntityOrchestrationService)service).EntityBackendQueries!;
            while (watch.Elapsed < timeout)
            {
                long total = 0;
                for (int k = 0; k < entities; k++)
                {
                    var meta = await queries.GetEntityAsync(new EntityId("counter", $"{prefix}-{k}"), true, false, CancellationToken.None);
                    if (meta?.SerializedState != null) total += long.Parse(meta.Value.SerializedState);
                }
                if (total >= signals) return watch.Elapsed.TotalMilliseconds;
                await Task.Delay(50);
            }
            return -1;
        }

        public static JObject Memory()
        {
            var p = Process.GetCurrentProcess();
            return new JObject { ["rssMb"] = p.WorkingSet64 / 1048576.0, ["peakRssMb"] = p.PeakWorkingSet64 / 1048576.0 };
        }
    }
}
