import { EntityHandler } from '../entities/context';
import { OrchestrationHandler } from '../orchestration/handler';
import { ActivityHandler, FunctionRegistry, Registered } from '../runtime/registry';

/** The app's registry with some activities replaced by test doubles. */
export class TestRegistry extends FunctionRegistry {
  private readonly mocks = new Map<string, { name: string; handler: ActivityHandler }>();

  constructor(private readonly base: FunctionRegistry) {
    super();
  }

  mockActivity(name: string, handler: ActivityHandler): void {
    if (typeof handler !== 'function') throw new TypeError(`The mock of activity '${name}' must be a function.`);
    const registered = this.base.activity(name);
    if (!registered) throw new Error(`Cannot mock activity '${name}': the app registers no activity with that name.`);
    this.mocks.set(name.toLowerCase(), { name: registered.name, handler });
  }

  clearMocks(): void {
    this.mocks.clear();
  }

  override activity(name: string): Registered<ActivityHandler> | undefined {
    return this.mocks.get(name.toLowerCase()) ?? this.base.activity(name);
  }

  override orchestration(name: string): Registered<OrchestrationHandler> | undefined {
    return this.base.orchestration(name);
  }

  override entity(name: string): Registered<EntityHandler> | undefined {
    return this.base.entity(name);
  }
}
