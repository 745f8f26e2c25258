# The loss weights of the SCL authors' code, for SCLHead (issue 10's reading
# of their code; it is not in this repository). MMEngine forbids a key in
# two bases, so the setting is named authors_head; a config lists this file
# after a training config and merges it into the head:
#   _base_ = ['../scl/resnet34_ogh.py',
#             '../_base_/models/scl_classifier_authors.py']
#   model = dict(head=_base_.authors_head)
#
# Their objective, in mmscl's terms (FL_row, FL_col: mean focal loss of the
# rows, columns; L_con = sum over S11, S12, S22 of FL_row + FL_col, S21 left
# out; FL(P1) + FL(P2) the classification loss of the two halves of 24):
# - each similarity matrix weighs 0.5 FL_row + 0.5 FL_col, the focal losses
#   times 10: 0.5 x 10 L_con, so lambda1 = 5;
# - the classification loss is the mean over all 48 predictions, weight 2,
#   times 10: 2 x 10 x (FL(P1) + FL(P2)) / 2, so lambda2 = 10;
# - the first epoch trains with plain cross-entropy (CEWarmupHook), whose
#   similarity terms lack the factor 10: lambda1 = 0.5 there.
# Effective lambda1 / lambda2: 0.05 during the warm-up, 0.5 after (the
# paper states 1). Adam's steps barely feel the common factor 10.
authors_head = dict(
    loss=dict(loss_weight=10.0),  # lambda2
    contrastive_loss=dict(loss_weight=5.0, warmup_loss_weight=0.5),  # lambda1
)
