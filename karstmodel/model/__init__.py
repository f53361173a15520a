"""The model: the chain of processes run day by day over a catchment (:func:`karstmodel.model.simulate.simulate`)."""
