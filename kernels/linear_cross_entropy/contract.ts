/**
 * The fused linear + cross-entropy head (a language model's last layer and its loss), written once for
 * every backend: it is built from tfjs's own matMul and this package's fused softmax loss-and-grad
 * kernel, so each backend runs its own kernels for both and needs no code of its own here.
 *
 *   hidden h [N, H], weight W [H, V] (a dense kernel) or [V, H] (a tied embedding, transposeWeight),
 *   bias b [V], class ids y [N]:   z = h·W (+ b),   loss = softmaxCrossEntropy(z, y, options)
 *
 * The [N, V] logits z are never held whole. Rows go in chunks of R (plan.ts), and per chunk c:
 *
 *   1. logits   z_c = h_c·W (+ b)                            one matMul, [R, V]
 *   2. loss     ℓ_c, g_c = ∂ℓ/∂z_c                           one fused loss-and-grad kernel, z_c freed
 *   3. grads    dh_c = s_c·(g_c·Wᵀ)                           [R, H]
 *               dW  += (s_c·h_c)ᵀ·g_c                         [H, V] ([V, H]: g_cᵀ·(s_c·h_c))
 *               db  += s_cᵀ·g_c                               [V], g_c freed
 *
 * where s is each row's upstream gradient: 1/D for the mean (D = Σ w_y over rows not ignored, as
 * softmaxCrossEntropy's; 0 when D = 0), 1 for the sum, dy_i for reduction 'none'. s is applied to
 * the small factors (h_c, dh_c), never to the [R, V] gradient, so it costs no pass over a chunk.
 * Rows are independent (every option of the softmax loss is per row), so the chunks' sums and the
 * chunked products are the unfused results up to float32 rounding of the order of additions.
 *
 * When the gradient will be wanted (a scalar loss computed while tfjs records a tape: tf.grad,
 * tf.variableGrads, optimizer.minimize) steps 1–3 run in the forward, as Liger-Kernel does, and the
 * backward only multiplies the saved dh, dW, db by the scalar dy: three matMuls per chunk, the same
 * work as the unfused head. Outside a tape only steps 1–2 run (one matMul, the forward kernel).
 * For reduction 'none' dy is a vector, so dW cannot be scaled afterwards: the forward computes the
 * losses alone and the backward recomputes each chunk's logits with s = dy (four matMuls in all).
 *
 * Memory beyond the inputs and dh, dW, db: at most two chunks of logits (z_c while g_c is written),
 * or one chunk and one [H, V] partial product while dW accumulates — which is why a default chunk
 * has at least H rows (plan.ts): then dW's partial is never larger than a chunk. On wasm, one more
 * weight-sized tensor: the weight transposed once per call, because tfjs's wasm matMul is about 10×
 * slower with a transposed operand (chunked.ts, Products).
 */
export {};
