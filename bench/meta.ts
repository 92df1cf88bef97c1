/**
 * Meta-RL benchmark: what second-order MAML costs.
 *
 * 1. One VPG gradient on MAML's 2D-navigation policy (2-100-100-2 ReLU, a batch of 2000 steps =
 *    one task's 20 episodes of 100 steps): rlbook's hand-written MLP backward pass (the baseline,
 *    first order only), tfjs autodiff of the functional policy, and the second-order
 *    meta-gradient of one task (inner step + outer loss, differentiated through the inner step).
 * 2. Whole MAML meta-iterations per second on 2D navigation: first- vs second-order with the
 *    VPG + Adam outer step, and second-order with the paper's TRPO outer step (measured 2026-12
 *    on a 2-core box at load ~30, so only the ratios mean much: second-order 1.26x the time of
 *    first-order per meta-iteration, TRPO 4.4x second-order Adam; one meta-gradient alone: 2.4x).
 * 3. The paper's comparison on 2D navigation (held-out goals, one inner step, inner lr 0.1): MAML
 *    against a policy pretrained on the mixture of tasks with the same optimizer and env steps,
 *    then adapted the same way; per seed (60 meta-iterations of 10 tasks x 10 episodes, a 32-32
 *    policy; measured 2026-12 over seeds 1 / 2 / 3: MAML post -21.8 / -18.5 / -19.7, pretrained
 *    post -39.9 / -39.4 / -38.9, both starting near -41).
 *
 * Run: `npm run bench -- meta` or `node dist/bench/meta.js`.
 */
import { Rng } from "../src/core/rng.js";
import { ensureBackend } from "../src/nn/backend.js";
import { MLP, mlpGrads } from "../src/nn/mlp.js";
import { tf, type Tensor } from "../src/nn/tf.js";
import { navigation2DFamily } from "../src/envs/families.js";
import { GaussianPolicy } from "../src/meta/policy.js";
import { MetaModule } from "../src/meta/learner.js";
import { MAML } from "../src/meta/maml.js";
import { JointPretrain } from "../src/meta/pretrain.js";

function timeIt(reps: number, f: () => void): number {
  f(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t0) / reps;
}

export async function benchMeta(): Promise<void> {
  const info = await ensureBackend();
  console.log(`backend: ${tf.getBackend()} ${JSON.stringify(info).slice(0, 80)}`);
  const rng = new Rng(0);
  const B = 2000;
  const obs = tf.tensor2d(Float32Array.from({ length: B * 2 }, () => rng.uniform(-0.5, 0.5)), [B, 2]);
  const act = tf.tensor2d(Float32Array.from({ length: B * 2 }, () => rng.normal(0, 0.1)), [B, 2]);
  const adv = tf.tensor1d(Float32Array.from({ length: B }, () => rng.normal()));
  const logStd = tf.zeros([2]);
  const gaussLoss = (mean: Tensor, ls: Tensor) => tf.neg(tf.mean(tf.mul(tf.sum(tf.sub(tf.mul(tf.square(tf.div(tf.sub(act, mean), tf.exp(ls))), -0.5), ls), -1), adv)));

  const mlp = new MLP(2, 2, { hidden: [100, 100], activation: "relu", rng: 1 });
  const hand = timeIt(20, () => tf.tidy(() => mlpGrads([mlp], [obs], (out) => gaussLoss(out, logStd)).grads.forEach((g) => g.dataSync())));

  const policy = new GaussianPolicy({ obsDim: 2, actDim: 2, hidden: [100, 100], activation: "relu", initStd: 1, rng });
  const meta = new MetaModule(policy.variables);
  const loss = (p: readonly Tensor[]) => tf.neg(tf.mean(tf.mul(policy.logProb(p, obs, act), adv)));
  const auto = timeIt(20, () => tf.tidy(() => tf.grads((...p: Tensor[]) => loss(p))(policy.variables).forEach((g) => g.dataSync())));
  const metaGrad = async (firstOrder: boolean): Promise<number> => {
    const once = async () => {
      const { grads } = await meta.metaGradients(() => loss(meta.clone({ lr: 0.1, firstOrder }).adapt(loss).params));
      await Promise.all(grads.map((g) => g.data()));
      tf.dispose(grads);
    };
    await once(); // warm-up
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) await once();
    return (performance.now() - t0) / 10;
  };
  const fo = await metaGrad(true);
  const so = await metaGrad(false);
  console.log(`VPG gradient, 2-100-100-2 ReLU policy, batch ${B}:`);
  console.log(`  hand-written MLP backward   ${hand.toFixed(1)} ms  (baseline, 1.00x)`);
  console.log(`  tfjs autodiff (functional)  ${auto.toFixed(1)} ms  (${(auto / hand).toFixed(2)}x)`);
  console.log(`  first-order meta-gradient   ${fo.toFixed(1)} ms  (${(fo / hand).toFixed(2)}x)`);
  console.log(`  second-order meta-gradient  ${so.toFixed(1)} ms  (${(so / hand).toFixed(2)}x; ${(so / fo).toFixed(2)}x first-order)`);

  const family = navigation2DFamily();
  const its: Record<string, number> = {};
  const variants = [
    ["first", { firstOrder: true }],
    ["second", { firstOrder: false }],
    ["trpo", { firstOrder: false, outerOptimizer: "trpo" }],
  ] as const;
  for (const [name, opts] of variants) {
    const maml = new MAML(family, { metaBatchSize: 10, episodesPerTask: 10, ...opts, seed: 0 });
    await maml.learnIteration();
    const n = name === "trpo" ? 1 : 3;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await maml.learnIteration();
    its[name] = n / ((performance.now() - t0) / 1000);
    maml.dispose();
  }
  console.log(`MAML on 2D navigation ([100, 100] policy, 10 tasks x 10 episodes x 100 steps, pre + post):`);
  console.log(`  first-order, Adam outer step   ${its.first.toFixed(3)} meta-iterations/s  (baseline, 1.00x)`);
  console.log(`  second-order, Adam outer step  ${its.second.toFixed(3)} meta-iterations/s  (${(its.first / its.second).toFixed(2)}x the time of first-order: the second-order term's cost)`);
  console.log(`  second-order, TRPO outer step  ${its.trpo.toFixed(3)} meta-iterations/s  (${(its.first / its.trpo).toFixed(2)}x; ${(its.second / its.trpo).toFixed(2)}x second-order Adam: CG with finite-difference Fisher products + line search)`);
  const split = new Rng(2024);
  const testTasks = Array.from({ length: 20 }, () => family.sample(split));
  const fast = { metaBatchSize: 10, episodesPerTask: 10, netArch: [32, 32] };
  const ITERS = Number(process.env.META_BENCH_ITERS ?? 60);
  console.log(`2D navigation, ${testTasks.length} held-out goals, ${ITERS} meta-iterations, mean return before -> after one inner step:`);
  for (const seed of [1, 2, 3]) {
    const maml = new MAML(family, { ...fast, seed });
    for (let i = 0; i < ITERS; i++) await maml.learnIteration();
    const m = await maml.metaTest(testTasks, { seed: 7 });
    // The pretrained baseline (the paper's): joint VPG on the task mixture with MAML's env steps per iteration.
    const joint = new JointPretrain(family, { ...fast, seed });
    for (let i = 0; i < ITERS; i++) await joint.learnIteration();
    const j = await joint.metaTest(testTasks, { seed: 7 });
    console.log(`  seed ${seed}: MAML ${m.preReturn.toFixed(2)} -> ${m.postReturn.toFixed(2)}; pretrained ${j.preReturn.toFixed(2)} -> ${j.postReturn.toFixed(2)}`);
    maml.dispose();
    joint.dispose();
  }
  tf.dispose([obs, act, adv, logStd]);
  mlp.dispose();
  policy.dispose();
}

if (import.meta.url === `file://${process.argv[1]}`) await benchMeta();
