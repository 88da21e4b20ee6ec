/**
 * Critical sections: move money between two Account entities under a lock on both, so no other
 * orchestration can observe or change either balance in between.
 *   POST /api/orchestrators/Deposit   {"account":"alice","amount":100}
 *   POST /api/orchestrators/TransferFunds   {"from":"alice","to":"bob","amount":30}
 */
import * as df from '../src';
import { EntityContext, OrchestrationContext } from '../src';

df.app.entity('Account', (context: EntityContext<number>) => {
  const balance = context.df.getState(() => 0) ?? 0;
  const amount = context.df.getInput<number>() ?? 0;
  switch (context.df.operationName) {
    case 'deposit':
      context.df.setState(balance + amount);
      break;
    case 'withdraw':
      if (amount > balance) throw new Error(`insufficient funds: balance ${balance}, requested ${amount}`);
      context.df.setState(balance - amount);
      break;
    case 'balance':
      context.df.return(balance);
      break;
  }
});

df.app.orchestration('Deposit', function* (context: OrchestrationContext) {
  const { account, amount } = context.df.getInput<{ account: string; amount: number }>();
  const id = new df.EntityId('Account', account);
  yield context.df.callEntity(id, 'deposit', amount);
  return yield context.df.callEntity(id, 'balance');
});

df.app.orchestration('TransferFunds', function* (context: OrchestrationContext) {
  const { from, to, amount } = context.df.getInput<{ from: string; to: string; amount: number }>();
  const source = new df.EntityId('Account', from);
  const target = new df.EntityId('Account', to);
  // lock(a, b) or lock([a, b]); the DurableLock also works with `using` (Symbol.dispose) on TypeScript 5.2+.
  const lock: df.DurableLock = yield context.df.lock(source, target);
  try {
    if (!context.df.isLocked().isLocked) throw new Error('expected to hold the locks');
    const balance: number = yield context.df.callEntity(source, 'balance');
    if (balance < amount) return { transferred: false, reason: `balance ${balance} is below ${amount}` };
    yield context.df.callEntity(source, 'withdraw', amount);
    yield context.df.callEntity(target, 'deposit', amount);
    return { transferred: true, from: yield context.df.callEntity(source, 'balance'), to: yield context.df.callEntity(target, 'balance') };
  } finally {
    lock.release();
  }
});
