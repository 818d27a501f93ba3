"""The package as a user meets it, checked as a class, over every public function: what it leaves of the caller's
global state (random number generators, a model's mode) and which sizes it takes. The notebooks test each function
with its own examples; these tables make sure no public function escapes the rules."""
import importlib, random, tempfile
from pathlib import Path
import numpy as np
import pytest
import torch
from torch import nn

MODULES = ['data', 'state', 'models', 'site', 'explorer', 'whatif', 'viewers', 'shapes', 'experiments', 'cli']  # widgets: re-exports

def _public(mod):
    m = importlib.import_module(f'lmstate.{mod}')
    return {n for n in m.__all__ if callable(getattr(m, n)) and not isinstance(getattr(m, n), type(torch))}

@pytest.fixture(scope='module')
def env():
    "Small real inputs for the calls below: loaders, a few batches, trained-free models, a saved results folder."
    from lmstate.data import lm_dls
    from lmstate.models import LMModel4, LMModel5, LMModel6
    torch.manual_seed(0)
    dls = lm_dls(bs=8)
    xs = [b[0] for _, b in zip(range(3), dls.valid)]
    models = {'LMModel4': LMModel4(30, 16), 'LMModel5': LMModel5(30, 16, 2), 'LMModel6': LMModel6(30, 16, 2)}
    return dict(dls=dls, xs=xs, models=models)

def _calls(env, tmp):
    "name -> a call of that public function with small, valid arguments; none of them trains a model."
    from lmstate import data as D, state as S, models as M, site as W0, explorer as W, whatif as WI, viewers as V, shapes as SH, experiments as E, cli as C
    dls, xs, ms = env['dls'], env['xs'], env['models']
    m4, m5 = ms['LMModel4'], ms['LMModel5']
    run = dict(model='LMModel1', variant='book', seed=0, epochs=1, lr=1e-3, sl=3, train_loss=2.0, valid_loss=2.0,
               accuracy=0.4, secs=1.0, secs_per_epoch=1.0)
    saved = E.save_results([run], tmp/'res')
    h = torch.zeros(2, 8, 16)
    return {
        'data.num2words': lambda: D.num2words(42), 'data.human_numbers_lines': lambda: D.human_numbers_lines('valid'),
        'data.write_human_numbers': lambda: D.write_human_numbers(tmp/'hn'), 'data.read_lines': lambda: D.read_lines(),
        'data.tokenize': lambda: D.tokenize(['one \n']), 'data.make_vocab': lambda: D.make_vocab(['a', 'b']),
        'data.numericalize': lambda: D.numericalize(['a'], ['a']), 'data.make_samples': lambda: D.make_samples(list(range(40)), 4),
        'data.group_chunks': lambda: D.group_chunks(list(range(10)), 3), 'data.lm_dls': lambda: D.lm_dls(bs=8),
        'data.baseline': lambda: D.baseline(dls.valid, dls.vocab), 'data.check_continuity': lambda: D.check_continuity(dls.valid),
        'data.plot_batches': lambda: D.plot_batches(),
        'state.state_shape': lambda: S.state_shape(h), 'state.has_graph': lambda: S.has_graph(h),
        'state.state_norms': lambda: S.state_norms(h), 'state.norm_labels': lambda: S.norm_labels(h),
        'state.describe_state': lambda: S.describe_state(h), 'state.graph_nodes': lambda: S.graph_nodes(h * 2),
        'state.graph_ops': lambda: S.graph_ops(h * 2), 'state.get_state': lambda: S.get_state(m5),
        'state.recurrent_shapes': lambda: S.recurrent_shapes(),
        'models.generate': lambda: M.generate(m4, dls.vocab, 'one .', 5, seed=0),
        'state.state_layout': lambda: S.state_layout(m5), 'state.trace_forward': lambda: S.trace_forward(m5, xs[0]),
        'state.trace_batches': lambda: S.trace_batches(m5, xs), 'state.StateRecorder': lambda: S.StateRecorder(),
        'models.loss_func': lambda: M.loss_func(torch.zeros(2, 3, 30), torch.zeros(2, 3, dtype=torch.long)),
        'models.predict_words': lambda: M.predict_words(m4, dls.valid, dls.vocab),
        'models.lmmodel4_as_rnn': lambda: M.lmmodel4_as_rnn(m4),
        'models.repackage_hidden': lambda: M.repackage_hidden((h * 2, h)),
        'site.quarto_choice': lambda: W0.quarto_choice({'text/html': ''}), 'site.has_html_table': lambda: W0.has_html_table(''),
        'site.is_page_form': lambda: W0.is_page_form({}), 'site.PageForm': lambda: W0.PageForm(dict(metadata={})),
        'explorer.check_settings': lambda: W.check_settings(bs=8), 'explorer.explore_state': lambda: W.explore_state(),
        'explorer.view_html': lambda: W.view_html(W.explore_state()), 'explorer.explorer_html': lambda: W.explorer_html(),
        'explorer.StateExplorer': lambda: W.StateExplorer(),
        'explorer.page_form': lambda: W.page_form('explorer', '<p></p>', '(function () {})', {}, {}),
        'whatif.what_if_cases': lambda: WI.what_if_cases(bs=8, n_hidden=8), 'whatif.what_if_html': lambda: WI.what_if_html(
            WI.what_if_cases(bs=8, n_hidden=8)), 'whatif.WhatIf': lambda: WI.WhatIf(bs=8, n_hidden=8),
        'viewers.ContinuityViewer': lambda: V.ContinuityViewer(bs=8, n_batches=3),
        'viewers.state_at': lambda: V.state_at(m5, xs, 3),
        'viewers.plot_state_heatmap': lambda: V.plot_state_heatmap({'m5': m5}, xs, 3),
        'viewers.StateHeatmap': lambda: V.StateHeatmap({'m5': m5}, xs),
        'viewers.TrainingTimeline': lambda: V.TrainingTimeline(lambda: M.LMModel4(30, 8), dls),
        'shapes.check_shape_settings': lambda: SH.check_shape_settings(bs='8'),
        'shapes.shapes_spec': lambda: SH.shapes_spec(bidirectional=True),
        'shapes.shapes_view': lambda: SH.shapes_view(SH.shapes_spec()), 'shapes.shapes_html': lambda: SH.shapes_html(),
        'shapes.ShapesExplorer': lambda: SH.ShapesExplorer(),
        'cli.seeds_arg': lambda: C.seeds_arg('0-4'), 'cli.parser': lambda: C.parser(),
        'cli.progress': lambda: C.progress(1, 3, 2.0),
        'experiments.variant_dls': lambda: E.variant_dls('LMModel4'), 'experiments.check_out': lambda: E.check_out(tmp/'o'),
        'experiments.save_results': lambda: E.save_results([run], tmp/'res2'),
        'experiments.load_results': lambda: E.load_results(saved), 'experiments.summarize': lambda: E.summarize(E.load_results(saved)),
        'experiments.baselines': lambda: E.baselines(),
        'experiments.detach_cost': lambda: E.detach_cost((1,), 1),    # it trains, and still leaves the RNGs as they were
        'experiments.ResetEveryBatch': lambda: E.ResetEveryBatch(), 'experiments.ShuffleRows': lambda: E.ShuffleRows(),
        'experiments.ZerosStart': lambda: E.ZerosStart(), 'experiments.ResetNotBeforeValidate': lambda: E.ResetNotBeforeValidate(),
    }

# what draws from the global RNGs on purpose: making a model's weights (PyTorch's own convention), training, and
# the measurements that train; each says why it is left out of the table above
DRAWS = {
    'models.LMModel1': 'initializes weights', 'models.LMModel2': 'initializes weights', 'models.LMModel3': 'initializes weights',
    'models.LMModel4': 'initializes weights', 'models.LMModel5': 'initializes weights', 'models.LMModel6': 'initializes weights',
    'models.LMModel7': 'initializes weights', 'models.BookLMModel5': 'initializes weights',
    'models.LMModelGRU': 'initializes weights', 'models.WordLM': 'initializes weights', 'models.fit_wordlm': 'trains',
    'experiments.make_model': 'initializes weights', 'experiments.ReluRNN': 'initializes weights',
    'models.fit_model': 'trains', 'experiments.run_one': 'trains (and restores the RNGs: tested in its notebook)',
    'experiments.bench': 'times training for seconds (and restores the RNGs, as detach_cost does)',
    'cli.main': 'the command line (runs training)', 'cli.cli': 'the command line',
    'experiments.Spec': 'a record', 'experiments.BatchShuffleDL': 'a loader class', 'data.Continuity': 'a record',
}

def _rngs(): return random.getstate(), np.random.get_state()[1].tolist(), torch.get_rng_state().tolist()

def test_no_public_function_that_does_not_train_moves_a_global_rng(env, tmp_path):
    "Every public function is in one table or the other; each call of the first leaves all three global RNGs as they were."
    calls = _calls(env, tmp_path)
    everything = {f'{m}.{n}' for m in MODULES for n in _public(m)}
    assert everything == set(calls) | set(DRAWS), f'not in either table: {sorted(everything - set(calls) - set(DRAWS))}; ' \
                                                 f'gone: {sorted((set(calls) | set(DRAWS)) - everything)}'
    moved = []
    for name, call in calls.items():
        random.seed(1); np.random.seed(1); torch.manual_seed(1)
        before = _rngs()
        call()
        if _rngs() != before: moved.append(name)
    assert not moved, f'these move a global RNG: {moved}'
    print(f'{len(calls)} public functions leave every global RNG as it was; {len(DRAWS)} draw from it on purpose')

def test_the_rng_check_can_fail(env):
    random.seed(1); before = _rngs(); random.random()
    assert _rngs() != before

def test_functions_that_run_a_model_leave_its_mode(env):
    "Whatever mode a model is in, in train or in eval, each function that runs it gives it back in that mode."
    from lmstate import state as S, models as M, viewers as V
    dls, xs, m5, m4 = env['dls'], env['xs'], env['models']['LMModel5'], env['models']['LMModel4']
    runs = {'predict_words': lambda m: M.predict_words(m, dls.valid, dls.vocab),
            'generate': lambda m: M.generate(m, dls.vocab, 'one .', 5, temperature=0), 'state_at': lambda m: V.state_at(m, xs, 3),
            'trace_forward': lambda m: S.trace_forward(m, xs[0]), 'trace_batches': lambda m: S.trace_batches(m, xs),
            'plot_state_heatmap': lambda m: V.plot_state_heatmap({'m': m}, xs, 3), 'StateHeatmap': lambda m: V.StateHeatmap({'m': m}, xs)}
    changed = []
    for name, run in runs.items():
        for m in (m4, m5):
            for mode in (True, False):
                m.train(mode); run(m)
                if m.training != mode: changed.append((name, type(m).__name__, mode))
    assert not changed, changed

SIZED = {   # name -> a call taking one size `v`; every size in lmstate follows one rule
    'make_samples(sl)': lambda v: __import__('lmstate.data').data.make_samples(list(range(40)), v),
    'group_chunks(bs)': lambda v: __import__('lmstate.data').data.group_chunks(list(range(10)), v),
    'lm_dls(bs)': lambda v: __import__('lmstate.data').data.lm_dls(bs=v),
    'LMModel4(n_hidden)': lambda v: __import__('lmstate.models').models.LMModel4(30, v),
    'LMModel5(n_layers)': lambda v: __import__('lmstate.models').models.LMModel5(30, 8, v),
    'LMModel7(n_hidden)': lambda v: __import__('lmstate.models').models.LMModel7(30, v, 2, 0.1),
    'trace_batches(n)': lambda v: __import__('lmstate.state').state.trace_batches(
        __import__('lmstate.models').models.LMModel5(30, 8, 1), [torch.zeros(2, 3, dtype=torch.long)], v),
    'ContinuityViewer(n_batches)': lambda v: __import__('lmstate.widgets').widgets.ContinuityViewer(8, 16, v),
    'plot_state_heatmap(rows)': lambda v: __import__('lmstate.widgets').widgets.plot_state_heatmap(
        {'m': __import__('lmstate.models').models.LMModel4(30, 8)}, [torch.zeros(4, 3, dtype=torch.long)], 0, v),
    'detach_cost(n_windows)': lambda v: __import__('lmstate.experiments').experiments.detach_cost((1,), v),
}

@pytest.mark.parametrize('name', list(SIZED))
def test_every_size_follows_one_rule(name):
    "A numpy int is a size like a Python int; a bool, a float (even 2.0), a string or 0 is refused with the size's name."
    import matplotlib.pyplot as plt
    call = SIZED[name]
    call(np.int64(2)); plt.close('all')
    for bad in (True, 2.0, '2', 0, None):
        with pytest.raises((TypeError, ValueError), match=r'must be an int'):
            call(bad)

_FULL_DISK = '''
import resource, signal, sys
from pathlib import Path
from lmstate.data import write_human_numbers
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)           # a write past the limit fails with EFBIG instead of a signal
resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))
try: write_human_numbers(Path(sys.argv[1]), overwrite=True)
except OSError as e: print('refused:', e.strerror)
'''

def test_a_full_disk_leaves_the_old_files_whole(tmp_path):
    "The disk fills half way through a rewrite: the old files stay as they were, nothing is left beside them."
    import subprocess, sys
    from lmstate.data import lm_dls, human_numbers_lines
    d = tmp_path/'hn'; d.mkdir()
    old = ''.join(human_numbers_lines('train'))[:-30]          # an older copy that differs from what is written
    for s in ('train', 'valid'): (d/f'{s}.txt').write_text(old)
    res = subprocess.run([sys.executable, '-c', _FULL_DISK, str(d)], capture_output=True, text=True)
    assert 'refused: File too large' in res.stdout, res.stdout + res.stderr
    assert (d/'train.txt').read_text() == old and sorted(p.name for p in d.iterdir()) == ['train.txt', 'valid.txt']
    (d/'train.txt').write_text(old[:50_000])                    # what writing in place used to leave: a cut file
    with pytest.raises(ValueError, match='cut short or is not Human Numbers'): lm_dls(path=d)


def test_widgets_gathers_the_widgets_it_names():
    "lmstate.widgets defines nothing: each name it exports is the very object of the module that defines it."
    import lmstate.widgets as W
    assert W.__all__ and all(getattr(W, n).__module__ != 'lmstate.widgets' for n in W.__all__)
    assert {n for m in MODULES for n in _public(m)} >= set(W.__all__)
