"""Every exported model driven through random sequences of what a user does to it: batches of any size and length,
resets, dtype and device moves, forwards under no_grad and inference_mode, training steps, and bad batches. After each
step the model either worked, with an output and a kept state of the right shape, dtype and device, or it raised one
of its documented errors and still works afterwards."""
import pytest, torch
from hypothesis import given, settings, strategies as st, HealthCheck
from lmstate.models import LMModel3, LMModel4, LMModel5, LMModel6, loss_func

V, H, L = 11, 6, 2
MODELS = {'LMModel3': lambda: LMModel3(V, H), 'LMModel4': lambda: LMModel4(V, H),
          'LMModel5': lambda: LMModel5(V, H, L), 'LMModel6': lambda: LMModel6(V, H, L)}
# the documented refusals: (exception type, words the message must contain)
REFUSED = {'empty': (ValueError, 'needs at least one row and one token'),
           'out_of_range': (ValueError, f'token ids must be in 0..{V - 1}'),
           'floats': (TypeError, 'expects integer token ids'),
           'wrong_len': (ValueError, 'reads 3 tokens per row')}
STATS = {'sequences': 0, 'steps': 0, 'refused': 0}

step = st.one_of(
    st.tuples(st.just('forward'), st.integers(1, 5), st.integers(1, 4), st.sampled_from(['grad', 'no_grad', 'inference'])),
    st.tuples(st.just('train'), st.integers(1, 5), st.integers(1, 4)),
    st.tuples(st.just('reset')),
    st.tuples(st.just('dtype'), st.sampled_from([torch.float32, torch.float64, torch.bfloat16, torch.float16])),
    st.tuples(st.just('meta')),
    st.tuples(st.just('bad'), st.sampled_from(sorted(REFUSED))))

def _param(m): return next(m.parameters())

def _check_state(name, m, bs):
    "The kept state after a batch of `bs` rows: its shape, and the model's dtype and device."
    p = _param(m)
    ts = [m.h] if name in ('LMModel3', 'LMModel4', 'LMModel5') else list(m.h)
    want = (bs, H) if name in ('LMModel3', 'LMModel4') else (L, bs, H)
    assert len(ts) == (2 if name == 'LMModel6' else 1)
    for t in ts:
        assert isinstance(t, torch.Tensor) and tuple(t.shape) == want, (name, type(t), getattr(t, 'shape', None))
        assert t.dtype == p.dtype and t.device == p.device and t.grad_fn is None

def _batch(name, bs, sl, device):
    sl = 3 if name == 'LMModel3' else sl
    return torch.randint(0, V, (bs, sl), device=device) if device.type != 'meta' else torch.zeros(bs, sl, dtype=torch.long, device=device)

def _run(name, m, s):
    "Apply step `s` to model `m`; return the batch size whose state it should leave, None if unchanged."
    kind, p = s[0], _param(m)
    if kind == 'reset':
        m.reset()
        assert m.h == (0 if name in ('LMModel3', 'LMModel4') else None)
        return None
    if kind == 'dtype':
        m.to(s[1]); return None
    if kind == 'meta':
        m.to('meta'); return None
    if kind == 'bad':
        x = _batch(name, 2, 3, p.device)
        if s[1] == 'empty': x = x[:, :0]
        elif s[1] == 'floats': x = x.float()
        elif s[1] == 'wrong_len': x = torch.zeros(2, 4, dtype=torch.long, device=p.device)
        elif s[1] == 'out_of_range':
            if p.device.type == 'meta': return None        # ids are checked on the CPU only
            x = x + V
        if s[1] == 'wrong_len' and name != 'LMModel3': return None
        exc, words = REFUSED[s[1]]
        with pytest.raises(exc, match=words): m(x)
        STATS['refused'] += 1
        return None
    x = _batch(name, s[1], s[2], p.device)
    if kind == 'train':
        m.train()
        out = m(x)
        y = torch.randint(0, V, out.shape[:-1]) if p.device.type != 'meta' else torch.zeros(out.shape[:-1], dtype=torch.long, device='meta')
        loss = loss_func(out, y)
        loss.backward()
        with torch.no_grad():
            for q in m.parameters(): q -= 0.01 * q.grad
        m.zero_grad()
    else:
        ctx = {'grad': torch.enable_grad, 'no_grad': torch.no_grad, 'inference': torch.inference_mode}[s[3]]
        with ctx(): out = m(x)
    want = (x.shape[0], V) if name == 'LMModel3' else (*x.shape, V)
    assert tuple(out.shape) == want and out.dtype == p.dtype and out.device == p.device
    return x.shape[0]

@pytest.mark.parametrize('name', MODELS)
def test_any_sequence_of_use_keeps_a_valid_state(name):
    "Hypothesis drives one model through random sequences of use; the count of what it ran is checked here, alone."
    runs = dict(sequences=0, steps=0)
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps=st.lists(step, min_size=1, max_size=12))
    def prop(steps):
        torch.manual_seed(0)
        m = MODELS[name]()
        runs['sequences'] += 1; STATS['sequences'] += 1
        for s in steps:
            runs['steps'] += 1; STATS['steps'] += 1
            bs = _run(name, m, s)
            if bs is not None: _check_state(name, m, bs)
    prop()
    print(f"{name}: {runs['sequences']} sequences, {runs['steps']} steps; refused as documented so far: {STATS['refused']}")
    assert runs['sequences'] >= 50, runs
