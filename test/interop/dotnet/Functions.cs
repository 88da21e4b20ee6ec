// C# orchestrations and activities with the same names and behaviour as the Node registry in
// test/interop/functions.ts, so an instance can run on either side.
using DurableTask.Core;
using Newtonsoft.Json.Linq;

namespace Interop
{
    sealed class Named<T> : ObjectCreator<T>
    {
        readonly Func<T> factory;

        public Named(string name, Func<T> factory)
        {
            this.Name = name;
            this.Version = "";
            this.factory = factory;
        }

        public override T Create() => this.factory();
    }

    /// <summary>An activity over raw JSON text: DT.Core hands over the argument array as written by the caller.</summary>
    sealed class RawActivity : TaskActivity
    {
        readonly string name;
        readonly Func<JToken?, JToken?> body;

        readonly bool announce;

        public RawActivity(string name, Func<JToken?, JToken?> body, bool announce = true)
        {
            this.name = name;
            this.body = body;
            this.announce = announce;
        }

        public override string Run(TaskContext context, string input) => throw new NotSupportedException();

        public override async Task<string> RunAsync(TaskContext context, string input)
        {
            var args = input == null ? new JArray() : JToken.Parse(input);
            var argument = args is JArray array ? (array.Count > 0 ? array[0] : null) : args;
            if (this.announce && Activities.Announce != null) await Activities.Announce(this.name, input);
            var result = this.body(argument);
            return result == null ? "null" : result.ToString(Newtonsoft.Json.Formatting.None);
        }
    }

    static class Activities
    {
        public static Func<string, string?, Task>? Announce;

        public static ObjectCreator<TaskActivity>[] All() => new ObjectCreator<TaskActivity>[]
        {
            new Named<TaskActivity>("SayHello", () => new RawActivity("SayHello", x => $"Hello {(string?)x}")),
            new Named<TaskActivity>("Echo", () => new RawActivity("Echo", x => x)),
            new Named<TaskActivity>("Fail", () => new RawActivity("Fail", x => throw new InvalidOperationException($"activity refused {(string?)x}"))),
            new Named<TaskActivity>("Flaky", () => new RawActivity("Flaky", x => FlakyFails ? throw new InvalidOperationException($"flaky refused {(string?)x}") : $"Flaky {(string?)x}")),
        };

        /// <summary>Whether Flaky fails (set by the driver): an activity that fails, then works after a rewind.</summary>
        public static volatile bool FlakyFails = true;
    }

    /// <summary>An orchestration over JSON tokens with awaitable external events.</summary>
    abstract class RawOrchestration : TaskOrchestration
    {
        readonly Dictionary<string, Queue<JToken?>> arrived = new();
        readonly Dictionary<string, Queue<TaskCompletionSource<JToken?>>> waiting = new();

        protected abstract Task<JToken?> RunAsync(OrchestrationContext context, JToken? input);

        public override async Task<string> Execute(OrchestrationContext context, string input)
        {
            var value = string.IsNullOrEmpty(input) ? null : JToken.Parse(input);
            var result = await this.RunAsync(context, value);
            return result == null ? "null" : result.ToString(Newtonsoft.Json.Formatting.None);
        }

        public override void RaiseEvent(OrchestrationContext context, string name, string input)
        {
            var value = string.IsNullOrEmpty(input) ? null : JToken.Parse(input);
            if (this.waiting.TryGetValue(name, out var waiters) && waiters.Count > 0) waiters.Dequeue().SetResult(value);
            else
            {
                if (!this.arrived.TryGetValue(name, out var queue)) this.arrived[name] = queue = new Queue<JToken?>();
                queue.Enqueue(value);
            }
        }

        public override string GetStatus() => "null";

        protected Task<JToken?> WaitForEvent(string name)
        {
            if (this.arrived.TryGetValue(name, out var queue) && queue.Count > 0) return Task.FromResult(queue.Dequeue());
            var tcs = new TaskCompletionSource<JToken?>();
            if (!this.waiting.TryGetValue(name, out var waiters)) this.waiting[name] = waiters = new Queue<TaskCompletionSource<JToken?>>();
            waiters.Enqueue(tcs);
            return tcs.Task;
        }

        protected static Task<JToken> Call(OrchestrationContext context, string activity, JToken? input) =>
            context.ScheduleTask<JToken>(activity, "", input);
    }

    sealed class Lambda : RawOrchestration
    {
        readonly Func<Lambda, OrchestrationContext, JToken?, Task<JToken?>> body;

        public Lambda(Func<Lambda, OrchestrationContext, JToken?, Task<JToken?>> body) => this.body = body;

        protected override Task<JToken?> RunAsync(OrchestrationContext context, JToken? input) => this.body(this, context, input);

        public Task<JToken?> Event(string name) => this.WaitForEvent(name);

        public static Task<JToken> Activity(OrchestrationContext context, string name, JToken? input) => Call(context, name, input);
    }

    /// <summary>
    /// Durable timers as the Functions extension's CreateTimer makes them (DT.Core alone does not): longer
    /// than MaximumDelay, a chain of timers of at most Interval, the last one at the due time.
    /// </summary>
    static class LongTimers
    {
        public static TimeSpan MaximumDelay = TimeSpan.FromDays(6);
        public static TimeSpan Interval = TimeSpan.FromDays(3);

        public static async Task Wait(OrchestrationContext ctx, DateTime fireAt)
        {
            if (fireAt - ctx.CurrentUtcDateTime <= MaximumDelay)
            {
                await ctx.CreateTimer(fireAt, "timer");
                return;
            }
            var next = ctx.CurrentUtcDateTime + Interval;
            while (ctx.CurrentUtcDateTime < fireAt)
            {
                await ctx.CreateTimer(next, "timer");
                var remaining = fireAt - ctx.CurrentUtcDateTime;
                if (remaining <= TimeSpan.Zero) break;
                next = ctx.CurrentUtcDateTime + (remaining < Interval ? remaining : Interval);
            }
        }
    }

    static class Orchestrations
    {
        static Named<TaskOrchestration> Define(string name, Func<Lambda, OrchestrationContext, JToken?, Task<JToken?>> body) =>
            new(name, () => new Lambda(body));

        public static ObjectCreator<TaskOrchestration>[] All() => new ObjectCreator<TaskOrchestration>[]
        {
            Define("HelloCities", async (self, ctx, input) =>
            {
                var results = new JArray();
                foreach (var city in (JArray?)input ?? new JArray()) results.Add(await Lambda.Activity(ctx, "SayHello", city));
                return results;
            }),
            Define("WaitForApproval", async (self, ctx, input) => new JObject { ["approval"] = await self.Event("Approval") }),
            Define("TimerThenHello", async (self, ctx, input) =>
            {
                await ctx.CreateTimer(ctx.CurrentUtcDateTime.AddSeconds((double?)input ?? 1), "timer");
                return await Lambda.Activity(ctx, "SayHello", "timer");
            }),
            Define("ParentOfCities", async (self, ctx, input) =>
                await ctx.CreateSubOrchestrationInstance<JToken>("HelloCities", "", ctx.OrchestrationInstance.InstanceId + "-child", input)),
            Define("CountUp", async (self, ctx, input) =>
            {
                var n = (int?)input ?? 0;
                if (n < 3)
                {
                    ctx.ContinueAsNew(n + 1);
                    return null;
                }
                return n;
            }),
            Define("CountUpWaiting", async (self, ctx, input) =>
            {
                var n = (int?)input ?? 0;
                await self.Event("next");
                if (n < 2)
                {
                    ctx.ContinueAsNew(n + 1);
                    return null;
                }
                return n;
            }),
            Define("LongTimerThenHello", async (self, ctx, input) =>
            {
                await LongTimers.Wait(ctx, ctx.CurrentUtcDateTime.AddSeconds((double?)input ?? 1));
                return await Lambda.Activity(ctx, "SayHello", "long timer");
            }),
            Define("EchoBig", async (self, ctx, input) => await Lambda.Activity(ctx, "Echo", input)),
            Define("CallsFailing", async (self, ctx, input) =>
            {
                await Lambda.Activity(ctx, "Fail", "x");
                return "unreachable";
            }),
            Define("CallsFlaky", async (self, ctx, input) =>
            {
                var a = await Lambda.Activity(ctx, "SayHello", "a");
                var b = await Lambda.Activity(ctx, "Flaky", "b");
                return new JArray(a, b);
            }),
            Define("Handoff", async (self, ctx, input) =>
            {
                var a = await Lambda.Activity(ctx, "SayHello", "A");
                var go1 = await self.Event("go1");
                await ctx.CreateTimer(ctx.CurrentUtcDateTime.AddSeconds(1), "t");
                var sub = await ctx.CreateSubOrchestrationInstance<JToken>("HelloCities", "", ctx.OrchestrationInstance.InstanceId + "-sub", new JArray("S"));
                var go2 = await self.Event("go2");
                var big = await Lambda.Activity(ctx, "Echo", go2);
                return new JArray(a, go1, sub, ((string?)big)?.Length ?? -1);
            }),
        };
    }
}
