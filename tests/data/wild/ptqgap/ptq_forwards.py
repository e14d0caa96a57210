"""The forwards the PTQ scripts give FX in place of untraceable ones (unseen7_ptq.py, unseen8_ptq.py), by module."""
import os
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def patch(mod, U):
    src = {"make_unseen7": "unseen7_ptq", "make_unseen8": "unseen8_ptq"}.get(mod)
    if src is None:
        return
    # the scripts run their PTQ when imported: execute only their head (imports and forward functions)
    code = open(os.path.join(HERE, src + ".py")).read().split("torch.set_num_threads(1)")[0]
    g = {"__name__": "forwards", "__file__": os.path.join(HERE, src + ".py")}
    exec(compile(code, src, "exec"), g)
    if mod == "make_unseen7":
        U.RelAttention.forward = g["rel_forward"]; U.PointNet.forward = g["pointnet_forward"]
    else:
        U.ShuffleV1Unit.forward = g["unit_forward"]; U.RepVGG.forward = g["repvgg_forward"]; U.GatedBlock.forward = g["gated_forward"]
